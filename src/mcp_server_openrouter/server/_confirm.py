"""Asking the user before a costly call (MCP elicitation); the decision is `usage.budget`'s.

A client that declared form elicitation is asked in the way its protocol version allows: up
to 2025-11-25 by an `elicitation/create` request during the call; from 2026-07-28 (no requests
from the server during a call) by answering the call with an `input_required` result carrying
the question, and reading the answer when the client calls again with it. The answer counts
only for the very question it was given to (its digest travels in `request_state`): if the
question changed meanwhile (more was spent), it is asked again.
"""

from __future__ import annotations

import hashlib
from typing import Any

from mcp.types import ElicitRequest, ElicitRequestFormParams, ElicitResult, InputRequiredResult
from mcp_types.version import is_version_at_least

from mcp_server_openrouter.server._tooling import AppCtx
from mcp_server_openrouter.usage.budget import Confirm

# The first protocol revision whose tool calls ask through `input_required` results.
INPUT_REQUIRED_VERSION = "2026-07-28"
CONFIRM_KEY = "confirm_spending"
CONFIRM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"send": {"type": "boolean", "title": "Send the call", "default": True}},
}


class AskFirst(Exception):
    """The user must be asked first: the tool answers with `result`, and the client calls again."""

    def __init__(self, result: InputRequiredResult) -> None:
        super().__init__("the user is asked to confirm first")
        self.result = result


def confirmer(ctx: AppCtx) -> Confirm | None:
    """How to ask this client's user to confirm a call; None when the client cannot be asked."""
    capabilities = ctx.client_capabilities
    elicitation = capabilities.elicitation if capabilities is not None else None
    # A bare `elicitation: {}` (from before modes existed) means forms; url-only does not.
    if elicitation is None or (elicitation.form is None and elicitation.url is not None):
        return None
    version = ctx.protocol_version
    if version is not None and is_version_at_least(version, INPUT_REQUIRED_VERSION):
        return lambda question: _answer_or_ask(ctx, question)

    if not ctx.session.can_send_request:  # a transport without requests from the server (stateless HTTP)
        return None

    async def ask(question: str) -> bool:
        answer = await ctx.session.elicit_form(question, CONFIRM_SCHEMA, related_request_id=ctx.request_id)
        return _confirmed(answer)

    return ask


async def _answer_or_ask(ctx: AppCtx, question: str) -> bool:
    """The answer the client brought to this very question, or `AskFirst` with the question."""
    asked = hashlib.sha256(question.encode()).hexdigest()[:32]
    answer = (ctx.input_responses or {}).get(CONFIRM_KEY)
    if isinstance(answer, ElicitResult) and ctx.request_state == asked:
        return _confirmed(answer)
    params = ElicitRequestFormParams(message=question, requested_schema=CONFIRM_SCHEMA)
    raise AskFirst(InputRequiredResult(input_requests={CONFIRM_KEY: ElicitRequest(params=params)}, request_state=asked))


def _confirmed(answer: ElicitResult) -> bool:
    """Accepted, and not with the box unticked."""
    return answer.action == "accept" and (answer.content or {}).get("send", True) is not False
