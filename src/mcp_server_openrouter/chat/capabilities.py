"""What a request needs of its model, checked against the catalogue before anything is spent.

OpenRouter ignores a parameter its model does not support (the reply then quietly lacks what
was asked: no tool calls, no JSON), and a model that cannot read images fails only after the
request was sent. Both are refused here with the models that can do it — or, with
`require_parameters=false`, the parameter is dropped and a note says so. When the catalogue
cannot answer (an outage, an endpoint other than OpenRouter, a model it does not list) the
request goes out as it is: a check must never be the reason a call fails.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from mcp_server_openrouter.catalog.model import Model
from mcp_server_openrouter.catalog.service import CatalogService
from mcp_server_openrouter.chat.request import ChatRequest
from mcp_server_openrouter.errors import InvalidArgumentError, OpenRouterMCPError

logger = logging.getLogger(__name__)

# Request fields checked against `supported_parameters`: those whose absence changes the answer.
# The basics (temperature, top_p, stop, max_tokens) and `seed` (which only makes replies repeatable,
# and lets the response cache apply) are not: a model without them still answers the question.
_CHECKED = ("tools", "tool_choice", "reasoning", "frequency_penalty", "presence_penalty")
_SUGGESTED = 5


def parameter_names(request: ChatRequest) -> dict[str, str]:
    """{request field: the `supported_parameters` name it needs} for the fields given."""
    needed = {name: name for name in _CHECKED if getattr(request, name) is not None}
    if request.response_format is not None:
        schema = request.response_format.get("type") == "json_schema"
        needed["response_format"] = "structured_outputs" if schema else "response_format"
    return needed


async def check_request(
    request: ChatRequest,
    catalog: CatalogService,
    *,
    inputs: Iterable[str] = (),
    require_parameters: bool = True,
) -> tuple[ChatRequest, list[str]]:
    """The request to send (unsupported parameters dropped when allowed) and notes for the caller.

    `inputs` are the modalities the attachments need ("image", "file", "audio"). A plain request
    (nothing to check) never touches the catalogue: the hot path stays one upstream request.
    """
    inputs = set(inputs)
    if not inputs and not request.modalities and not parameter_names(request):
        return request, []
    try:
        model, snapshot = await catalog.find_model(request.model)
    except OpenRouterMCPError as exc:
        logger.debug("capability check skipped for %s: %s", request.model, type(exc).__name__)
        return request, []
    models = list(snapshot.catalog.models)
    _check_modalities(request, model, models, inputs)
    request, fallback_notes = _fitting_fallbacks(request, snapshot.catalog.get, inputs)
    missing = {
        field: name for field, name in parameter_names(request).items() if name not in model.supported_parameters
    }
    if not missing:
        return request, fallback_notes
    if require_parameters:
        field, name = next(iter(missing.items()))
        able = _suggest(models, model, lambda m: name in m.supported_parameters)
        raise InvalidArgumentError(
            f"{model.id} does not support `{field}` (its supported_parameters lack {name!r}); models that do: "
            f"{able or 'none found'}. Or pass require_parameters=false to send the request without it."
        )
    dropped = request.model_copy(update=dict.fromkeys(missing))
    return dropped, [*fallback_notes, f"{model.id} does not support {', '.join(missing)}: left out of the request"]


def _fitting_fallbacks(
    request: ChatRequest, lookup: Callable[[str], Model | None], inputs: set[str]
) -> tuple[ChatRequest, list[str]]:
    """Fallbacks that cannot take the request's inputs or give its outputs are left out, with a note:
    a vision request must not land on a text-only model because the first one was busy."""
    if not request.models:
        return request, []
    outputs = set(request.modalities or ())
    kept, notes = [request.models[0]], []
    for fallback in request.models[1:]:
        found = lookup(fallback)
        if found is None or (inputs <= set(found.input_modalities) and outputs <= set(found.output_modalities)):
            kept.append(fallback)
        else:
            notes.append(
                f"fallback {fallback} cannot take this request ({', '.join(sorted(inputs | outputs))}): left out"
            )
    if len(kept) == len(request.models):
        return request, []
    return request.model_copy(update={"models": kept if len(kept) > 1 else None}), notes


def _check_modalities(request: ChatRequest, model: Model, models: list[Model], inputs: set[str]) -> None:
    for modality in sorted(inputs - set(model.input_modalities)):
        able = _suggest(models, model, lambda m, kind=modality: kind in m.input_modalities)
        hint = " (list_vision_models lists them all)" if modality == "image" else ""
        raise InvalidArgumentError(
            f"{model.id} does not take {modality} input (its input_modalities: {', '.join(model.input_modalities)}); "
            f"models that do: {able or 'none found'}{hint}. Nothing was sent."
        )
    wanted = set(request.modalities or ()) - set(model.output_modalities)
    if wanted:
        able = _suggest(models, model, lambda m: wanted <= set(m.output_modalities))
        raise InvalidArgumentError(
            f"{model.id} cannot output {', '.join(sorted(wanted))} (its output_modalities: "
            f"{', '.join(model.output_modalities)}); models that can: {able or 'none found'}."
        )


def _suggest(models: list[Model], like: Model, able: object) -> str:
    """Up to five models that can, the same provider's first."""
    check = able if callable(able) else (lambda m: False)
    provider = like.id.split("/", 1)[0]
    fitting = [m for m in models if m.id != like.id and check(m)]
    fitting.sort(key=lambda m: (not m.id.startswith(provider + "/"), m.id))
    return ", ".join(m.id for m in fitting[:_SUGGESTED])
