"""What a benchmark or a panel will do, checked before anything is spent.

`plan_benchmark` validates the arguments into a `BenchPlan` (the same request for every model,
checked once by `ChatRequest`); `known_models` looks every id up in the catalogue, so a typo
answers with the closest ids instead of paying for the other models first; `worst_case_cost`
estimates what the plan could cost at most, and `guard_spending` refuses it past `max_cost_usd`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from mcp_server_openrouter import _validate as v
from mcp_server_openrouter._parse import as_int, as_mapping
from mcp_server_openrouter.catalog.model import Model, format_usd
from mcp_server_openrouter.catalog.service import CatalogService
from mcp_server_openrouter.chat.request import ChatRequest, build_request
from mcp_server_openrouter.errors import BudgetExceededError, InvalidArgumentError

MAX_MODELS = 10
MAX_RUNS = 10
# The FAQ's knob against rate limits; more than a minute between two requests is not a benchmark.
MAX_DELAY_SECONDS = 60.0
# With no max_tokens, a model may write this much when its catalogue entry does not say.
UNKNOWN_MAX_COMPLETION_TOKENS = 4096


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


def prompt_tokens_estimate(request: ChatRequest) -> int:
    """About four characters a token over the text of every message."""
    characters = 0
    for message in request.messages:
        content = message.get("content")
        if isinstance(content, str):
            characters += len(content)
        elif isinstance(content, list):
            characters += sum(len(str(part.get("text", ""))) for part in content if isinstance(part, dict))
    return max(1, math.ceil(characters / 4))


def max_completion_tokens(model: Model, request: ChatRequest) -> int:
    """The most a run may write: `max_tokens`, else what the catalogue says the model can."""
    if request.max_tokens is not None:
        return request.max_tokens
    top = as_int(as_mapping(model.raw.get("top_provider")).get("max_completion_tokens"))
    return top or model.context_length or UNKNOWN_MAX_COMPLETION_TOKENS


def worst_case_cost(models: Sequence[Model], request: ChatRequest, runs: int) -> Decimal | None:
    """The most `runs` requests to each model could cost, or None when a price varies (routers)."""
    prompt = prompt_tokens_estimate(request)
    total = Decimal(0)
    for model in models:
        prompt_price, completion_price = model.prompt_price.per_token, model.completion_price.per_token
        if prompt_price is None or completion_price is None:
            return None
        total += (prompt * prompt_price + max_completion_tokens(model, request) * completion_price) * runs
    return total


def guard_spending(worst_case: Decimal | None, max_cost_usd: Decimal | None, *, what: str) -> None:
    """Refuse `what` before it starts if its worst case could pass `max_cost_usd`.

    The one place a benchmark asks whether it may spend: the shared budget guard (daily and
    monthly budgets, confirmation) is meant to be called from here once it exists.
    """
    if max_cost_usd is None:
        return
    if worst_case is None:
        raise BudgetExceededError(
            f"{what} was not started: a model's price varies by request (a router), so its worst case "
            f"cannot be held to max_cost_usd=${format_usd(max_cost_usd)}. Name the models themselves, or drop "
            "max_cost_usd."
        )
    if worst_case > max_cost_usd:
        raise BudgetExceededError(
            f"{what} was not started: it could cost up to ${format_usd(worst_case)}, more than "
            f"max_cost_usd=${format_usd(max_cost_usd)}. Ask for fewer runs or models, set a smaller max_tokens, "
            "or raise max_cost_usd."
        )


def cost_limit(value: object) -> Decimal | None:
    """`max_cost_usd` as a Decimal (None: no limit)."""
    if value is None:
        return None
    if not v.is_number(value) or value <= 0:
        raise InvalidArgumentError(f"`max_cost_usd` must be a positive number of US dollars, got {value!r}.")
    return Decimal(str(value))
