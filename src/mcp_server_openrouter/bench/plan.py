"""What a benchmark or a panel will do, checked before anything is spent.

`plan_benchmark` validates the arguments into a `BenchPlan` (the same request for every model,
checked once by `ChatRequest`); `known_models` looks every id up in the catalogue, so a typo
answers with the closest ids instead of paying for the other models first. What a plan could
cost at most, and whether it may be spent, is `bench.spending`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mcp_server_openrouter import _validate as v
from mcp_server_openrouter.catalog.model import Model
from mcp_server_openrouter.catalog.service import CatalogService
from mcp_server_openrouter.chat.request import ChatRequest, build_request
from mcp_server_openrouter.errors import InvalidArgumentError

MAX_MODELS = 10
MAX_RUNS = 10
# The FAQ's knob against rate limits; more than a minute between two requests is not a benchmark.
MAX_DELAY_SECONDS = 60.0


@dataclass(frozen=True)
class BenchPlan:
    """The models to compare, the one request each gets, and how often and how far apart."""

    models: tuple[str, ...]
    request: ChatRequest
    prompt: str
    runs: int = 1
    delay_seconds: float = 0.0
    parallel: bool = True

    @property
    def total_runs(self) -> int:
        return len(self.models) * self.runs

    def request_for(self, model: str) -> ChatRequest:
        return self.request.model_copy(update={"model": model})


def model_ids(models: object, name: str, low: int, high: int) -> tuple[str, ...]:
    """`low`–`high` distinct model id strings."""
    if isinstance(models, str) or not isinstance(models, Sequence) or not low <= len(models) <= high:
        raise InvalidArgumentError(
            f"`{name}` must be a list of {low}–{high} model ids, "
            'like ["openai/gpt-4o-mini", "anthropic/claude-3-haiku"].'
        )
    ids: list[str] = []
    for index, model in enumerate(models):
        if not isinstance(model, str) or not model.strip():
            raise InvalidArgumentError(f"`{name}[{index}]` must be a model id string, got {model!r}.")
        if model.strip() in ids:
            raise InvalidArgumentError(f"`{name}` lists {model.strip()!r} twice; give each model once.")
        ids.append(model.strip())
    return tuple(ids)


def plan_benchmark(
    *,
    models: object,
    prompt: object,
    runs: object = 1,
    delay_seconds: object = 0,
    max_tokens: object = None,
    temperature: object = None,
    system: object = None,
    parallel: object = True,
) -> BenchPlan:
    """The benchmark as asked, or an `InvalidArgumentError` saying what to pass instead."""
    ids = model_ids(models, "models", 1, MAX_MODELS)
    if not isinstance(prompt, str) or not prompt.strip():
        raise InvalidArgumentError("`prompt` must be a non-empty string: the request every model answers.")
    request = build_request(
        model=ids[0], messages=prompt, system=system, max_tokens=max_tokens, temperature=temperature
    )
    return BenchPlan(
        models=ids,
        request=request,
        prompt=prompt,
        runs=v.int_between(runs, "runs", 1, MAX_RUNS),
        delay_seconds=float(v.number_between(delay_seconds, "delay_seconds", 0, MAX_DELAY_SECONDS)),
        parallel=v.boolean(parallel, "parallel"),
    )


async def known_models(catalog: CatalogService, ids: Sequence[str]) -> list[Model]:
    """The catalogue entry of each id; every unknown one is named with its closest ids, at once."""
    snapshot = await catalog.snapshot()
    found: list[Model] = []
    unknown: list[str] = []
    for model_id in ids:
        model = snapshot.catalog.get(model_id)
        if model is not None:
            found.append(model)
            continue
        closest = snapshot.catalog.closest_ids(model_id)
        unknown.append(f"{model_id!r} (did you mean {', '.join(closest)}?)" if closest else repr(model_id))
    if unknown:
        raise InvalidArgumentError(
            f"Unknown model{'s' if len(unknown) > 1 else ''}: {'; '.join(unknown)}. Nothing was sent; "
            "`list_available_models` lists every id."
        )
    return found
