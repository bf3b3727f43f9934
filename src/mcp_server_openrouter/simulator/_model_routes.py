"""Catalogue routes of the fake OpenRouter: `GET /models` and `GET /models/{id}/endpoints`.

They serve the models `_catalog` builds, and ask for no key. Endpoints are found by id or
by canonical slug (the catalogue's `links.details` uses the slug).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mcp_server_openrouter.simulator._catalog import PROVIDER_NAMES
from mcp_server_openrouter.simulator._faults import error_response

if TYPE_CHECKING:
    from mcp_server_openrouter.simulator._app import Simulator


class ModelRoutes:
    """The model list (filtered as the real API filters it) and each model's endpoints."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    async def list_models(self, request: Request) -> Response:
        self.sim.log("request", "/models", query=dict(request.query_params))
        admitted = await self.sim.admit(request, authenticate=False, fault_path="/models")
        if isinstance(admitted, Response):
            return admitted
        output = request.query_params.get("output_modalities", "text")
        models = self.sim.models
        if output != "all":
            wanted = set(output.split(","))
            models = [m for m in models if wanted & set(m["architecture"]["output_modalities"])]
        needed = request.query_params.get("supported_parameters")
        if needed:
            models = [m for m in models if needed in m["supported_parameters"]]
        return JSONResponse({"data": models, "total_count": len(models), "links": {"next": None}})

    async def endpoints(self, request: Request) -> Response:
        model_id = f"{request.path_params['author']}/{request.path_params['slug']}"
        self.sim.log("request", "/models/endpoints", model=model_id)
        admitted = await self.sim.admit(request, authenticate=False, fault_path="/models/endpoints", model=model_id)
        if isinstance(admitted, Response):
            return admitted
        model = self.sim.find_model(model_id)
        if model is None:
            return error_response(404, f"No model found for {model_id}", user=False)
        endpoints: list[dict[str, Any]] = []
        model_id = model["id"]
        author = model_id.split("/", 1)[0]
        names = [PROVIDER_NAMES.get(author, author.title()), "DeepInfra", "Together"][: 1 + len(model_id) % 3]
        for index, provider in enumerate(names):
            pricing = dict(model["pricing"])
            if index and "prompt" in pricing and pricing["prompt"] != "-1":
                pricing["prompt"] = format(Decimal(pricing["prompt"]) * Decimal("1.1"), "f")
            endpoints.append(
                {
                    "name": f"{provider} | {model_id}",
                    "model_name": model["name"],
                    "provider_name": provider,
                    "tag": provider.lower().replace(" ", "-"),
                    "context_length": model["context_length"],
                    "max_prompt_tokens": None,
                    "max_completion_tokens": model["top_provider"]["max_completion_tokens"],
                    "pricing": {**pricing, "discount": 0},
                    "quantization": None if index == 0 else ["fp8", "bf16"][index % 2],
                    "status": 0,
                    "supported_parameters": model["supported_parameters"],
                    "uptime_last_30m": 99.5 - index * 1.5,
                }
            )
        data = {"id": model["id"], "name": model["name"], "created": model["created"], "endpoints": endpoints}
        return JSONResponse({"data": data})
