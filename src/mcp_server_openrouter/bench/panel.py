"""A panel: one request to several models at once, and optionally a judge that ranks their answers.

Every member answers in parallel (one streamed request each, timed like a benchmark run); a
member that fails is listed with its error and the panel goes on. The judge gets the answers
anonymised — labelled A, B, C… in a shuffled order, each answer's own model id blanked out — and
is asked, in structured output when it supports it, for a ranking with reasons and a synthesised
best answer. Its cost is counted in the panel's total; if the judge fails, the answers still return.
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable, MutableSequence, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import anyio
from pydantic import BaseModel

from mcp_server_openrouter.bench.figures import total_cost
from mcp_server_openrouter.bench.plan import model_ids
from mcp_server_openrouter.bench.report import usd
from mcp_server_openrouter.bench.runner import OnRun, RunOutcome, run_once, tell
from mcp_server_openrouter.catalog.model import Model
from mcp_server_openrouter.chat.extras import parsed_json
from mcp_server_openrouter.chat.request import ChatRequest, a_model_id, build_request
from mcp_server_openrouter.errors import InvalidArgumentError, ReplyNotJSONError

if TYPE_CHECKING:
    from mcp_server_openrouter.client import OpenRouterClient

MIN_MEMBERS, MAX_MEMBERS = 2, 8
DEFAULT_CRITERIA = "correctness, completeness, clarity and concision"
# What the judge reads of each answer: enough to judge, bounded so eight long answers stay affordable.
JUDGED_CHARS = 12_000
MAX_CRITERIA_CHARS = 1_000

Shuffle = Callable[[MutableSequence[Any]], None]


class PanelAnswer(BaseModel):
    model: str
    ok: bool
    text: str = ""
    truncated: bool = False
    served_model: str | None = None
    latency_s: float | None = None
    cost_usd: float | None = None
    error: str | None = None


class JudgedAnswer(BaseModel):
    model: str
    label: str
    reason: str


class Verdict(BaseModel):
    judge_model: str
    ranking: list[JudgedAnswer] = []
    best_answer: str = ""
    cost_usd: float | None = None
    error: str | None = None


class PanelResult(BaseModel):
    """The answers and the verdict; while the panel still runs as a job, only `status`, `job_id` and `note`."""

    status: Literal["done", "queued", "running"] = "done"
    job_id: str | None = None
    note: str | None = None
    answers: list[PanelAnswer] = []
    verdict: Verdict | None = None
    total_cost_usd: float | None = None
    worst_case_usd: float | None = None


@dataclass(frozen=True)
class PanelPlan:
    models: tuple[str, ...]
    request: ChatRequest
    judge_model: str | None = None
    criteria: str = DEFAULT_CRITERIA


def plan_panel(
    *, models: object, prompt: object, judge_model: object = None, criteria: object = None, max_tokens: object = None
) -> PanelPlan:
    ids = model_ids(models, "models", MIN_MEMBERS, MAX_MEMBERS)
    request = build_request(model=ids[0], messages=prompt, max_tokens=max_tokens)
    judge = None if judge_model is None else a_model_id(judge_model, "judge_model")
    if criteria is not None and (not isinstance(criteria, str) or not criteria.strip()):
        raise InvalidArgumentError('`criteria` must be a non-empty string, such as "accuracy and brevity".')
    if isinstance(criteria, str) and len(criteria) > MAX_CRITERIA_CHARS:
        raise InvalidArgumentError(f"`criteria` is longer than {MAX_CRITERIA_CHARS} characters; say it shorter.")
    return PanelPlan(models=ids, request=request, judge_model=judge, criteria=criteria or DEFAULT_CRITERIA)


def _bounded(outcome: RunOutcome, answer_chars: int) -> PanelAnswer:
    text = outcome.text
    return PanelAnswer(
        model=outcome.model,
        ok=outcome.ok,
        text=text[:answer_chars],
        truncated=len(text) > answer_chars,
        served_model=outcome.served_model,
        latency_s=outcome.latency_s,
        cost_usd=outcome.cost_usd,
        error=outcome.error,
    )


async def ask_panel(
    client: OpenRouterClient,
    plan: PanelPlan,
    *,
    judge: Model | None = None,
    answer_chars: int = 4000,
    shuffle: Shuffle = random.shuffle,
    on_call: OnRun | None = None,
) -> PanelResult:
    """Ask every member at once; then, with a `judge` (the catalogue entry of `plan.judge_model`), judge.
    `on_call` hears each request that ended (each member, then the judge)."""
    outcomes: dict[str, RunOutcome] = {}
    calls = len(plan.models) + (plan.judge_model is not None)

    async def member(model: str) -> None:
        outcomes[model] = outcome = await run_once(client, plan.request.model_copy(update={"model": model}))
        await tell(on_call, outcome, len(outcomes), calls)

    async with anyio.create_task_group() as group:
        for model in plan.models:
            group.start_soon(member, model)
    answered = [outcomes[model] for model in plan.models]
    verdict_outcome: RunOutcome | None = None
    verdict = None
    if plan.judge_model is not None:
        verdict, verdict_outcome = await _judge(client, plan, judge, answered, shuffle)
        if verdict_outcome is not None:
            await tell(on_call, verdict_outcome, calls, calls)
    cost = total_cost([*answered, *([verdict_outcome] if verdict_outcome else [])])
    return PanelResult(
        answers=[_bounded(outcome, answer_chars) for outcome in answered],
        verdict=verdict,
        total_cost_usd=None if cost is None else float(cost),
    )


def request_text(request: ChatRequest) -> str:
    """The conversation the panel answered, as the judge reads it."""
    lines = []
    for message in request.messages:
        content = message.get("content")
        if isinstance(content, list):
            content = " ".join(
                str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text"
            )
        lines.append(f"{message.get('role')}: {content}" if len(request.messages) > 1 else str(content))
    return "\n".join(lines)


def anonymised(outcome: RunOutcome) -> str:
    """The answer without its own model's name (a model may sign its answer)."""
    text = outcome.text[:JUDGED_CHARS]
    for name in {outcome.model, outcome.served_model}:
        if name:
            text = text.replace(name, "[model]")
    return text


def verdict_format(labels: Sequence[str], judge: Model | None) -> dict[str, Any] | None:
    """A JSON schema for the verdict when the judge supports one, else JSON mode, else None."""
    params = set(judge.supported_parameters) if judge is not None else {"structured_outputs"}
    if "structured_outputs" not in params:
        return {"type": "json_object"} if "response_format" in params else None
    item = {
        "type": "object",
        "properties": {"answer": {"type": "string", "enum": list(labels)}, "reason": {"type": "string"}},
        "required": ["answer", "reason"],
        "additionalProperties": False,
    }
    schema = {
        "type": "object",
        "properties": {"ranking": {"type": "array", "items": item}, "best_answer": {"type": "string"}},
        "required": ["ranking", "best_answer"],
        "additionalProperties": False,
    }
    return {"type": "json_schema", "json_schema": {"name": "panel_verdict", "strict": True, "schema": schema}}


def judge_prompt(plan: PanelPlan, labelled: Sequence[tuple[str, RunOutcome]]) -> str:
    answers = "\n\n".join(f"Answer {label}:\n<<<\n{anonymised(outcome)}\n>>>" for label, outcome in labelled)
    return (
        f"You judge {len(labelled)} answers to the same request, written by AI models whose names are hidden. "
        f"Criteria: {plan.criteria}.\n\nThe request:\n<<<\n{request_text(plan.request)}\n>>>\n\n{answers}\n\n"
        "Rank every answer from best to worst with a one-sentence reason each, then write the best possible "
        "answer to the request, combining their strengths. Reply with JSON only: "
        '{"ranking": [{"answer": "A", "reason": "…"}], "best_answer": "…"}'
    )


def judge_request(plan: PanelPlan, labelled: Sequence[tuple[str, RunOutcome]], judge: Model | None) -> ChatRequest:
    """What the judge is sent: the labelled answers, in structured output when it supports it."""
    fmt = verdict_format([label for label, _ in labelled], judge)
    return ChatRequest.create(
        model=plan.judge_model or "",
        messages=[{"role": "user", "content": judge_prompt(plan, labelled)}],
        **({"response_format": fmt} if fmt else {}),
    )


async def _judge(
    client: OpenRouterClient, plan: PanelPlan, judge: Model | None, answered: list[RunOutcome], shuffle: Shuffle
) -> tuple[Verdict, RunOutcome | None]:
    judge_id = plan.judge_model or ""
    good = [outcome for outcome in answered if outcome.ok and outcome.text.strip()]
    if not good:
        return Verdict(judge_model=judge_id, error="no member answered, so there was nothing to judge"), None
    shuffle(good)  # the order the judge reads is not the order the caller listed (position bias)
    labelled = list(zip(string.ascii_uppercase, good, strict=False))
    outcome = await run_once(client, judge_request(plan, labelled, judge))
    cost = outcome.cost_usd
    if not outcome.ok:
        return Verdict(judge_model=judge_id, cost_usd=cost, error=outcome.error), outcome
    try:
        data = parsed_json(outcome.text)
    except ReplyNotJSONError:
        shown = outcome.text[:2000]
        return Verdict(judge_model=judge_id, cost_usd=cost, error=f"the judge's reply is not JSON: {shown}"), outcome
    by_label = {label: answer.model for label, answer in labelled}
    return _verdict(judge_id, data, by_label, cost), outcome


def _verdict(judge_id: str, data: object, by_label: dict[str, str], cost: float | None) -> Verdict:
    """The judge's JSON as a ranking of models; answers it left out come last, said so."""
    ranking: list[JudgedAnswer] = []
    entries = data.get("ranking") if isinstance(data, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        label = str(entry.get("answer", "")).strip().removeprefix("Answer ").strip() if isinstance(entry, dict) else ""
        if label in by_label and all(r.label != label for r in ranking):
            reason = entry.get("reason") if isinstance(entry, dict) else None
            ranking.append(JudgedAnswer(model=by_label[label], label=label, reason=str(reason or "")))
    for label, model in by_label.items():
        if all(r.label != label for r in ranking):
            ranking.append(JudgedAnswer(model=model, label=label, reason="(not ranked by the judge)"))
    best = data.get("best_answer") if isinstance(data, dict) else None
    error = None if isinstance(entries, list) else f"the judge's JSON has no ranking: {json.dumps(data)[:500]}"
    return Verdict(judge_model=judge_id, ranking=ranking, best_answer=str(best or ""), cost_usd=cost, error=error)


def render_panel(result: PanelResult) -> str:
    """The panel as a model reads it: each answer under its model, then the judge's verdict."""
    answered = sum(answer.ok for answer in result.answers)
    lines = [f"Panel of {len(result.answers)} models: {answered} answered; cost {_usd(result.total_cost_usd)} in all."]
    for answer in result.answers:
        if not answer.ok:
            lines += ["", f"## {answer.model}: failed", answer.error or "unknown error"]
            continue
        latency = "" if answer.latency_s is None else f"{answer.latency_s:.2f} s, "
        lines += ["", f"## {answer.model} ({latency}{_usd(answer.cost_usd)})", answer.text]
        if answer.truncated:
            lines.append("[… cut here: the panel shows each answer's beginning]")
    verdict = result.verdict
    if verdict is not None:
        lines += ["", f"## Judge {verdict.judge_model} ({_usd(verdict.cost_usd)})"]
        if verdict.error:
            lines.append(f"The judge could not rank the answers: {verdict.error}")
        lines += [f"{place}. {entry.model}: {entry.reason}" for place, entry in enumerate(verdict.ranking, 1)]
        if verdict.best_answer:
            lines += ["", "Best answer, synthesised by the judge:", verdict.best_answer]
    return "\n".join(lines)


def _usd(amount: float | None) -> str:
    return "cost unknown" if amount is None else usd(amount)
