"""One look at the service with the key: is it reachable, how fast, is the key good, what is left.

`GET /key` spends nothing: it is timed twice (without retries, so a dead URL is reported at once
and the latency is one round trip), and its status says whether the key is refused. What the key
has — spending, limit and what it leaves, the account's balance — comes from the account check of
`openrouter-mcp account` and `get_usage_stats` (`usage.account`), read once the key is accepted.
This is what `init` and `doctor` know of the account.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mcp_server_openrouter.errors import APIConnectionError, APIStatusError, OpenRouterError

if TYPE_CHECKING:
    from mcp_server_openrouter.client import OpenRouterClient
    from mcp_server_openrouter.usage.account import AccountView

# A model whose provider list is small: without a key, the only cheap way to ask the service something.
_PROBE_MODEL = "openai/gpt-4o-mini"


@dataclass(frozen=True)
class Probe:
    """What a look at the base URL found. `first_ms` includes connecting (and TLS); `again_ms` does not.

    `account` is the account check, present when there is a key and `GET /key` accepted it.
    """

    reachable: bool
    first_ms: float | None = None
    again_ms: float | None = None
    account: AccountView | None = None
    error: OpenRouterError | None = None

    @property
    def key_refused(self) -> bool:
        return isinstance(self.error, APIStatusError) and self.error.status in (401, 403)


async def probe(client: OpenRouterClient, *, monotonic: Callable[[], float] = time.monotonic) -> Probe:
    """Time `GET /key` twice (or, without a key, a model's endpoints), then read the account."""
    quick = client.with_options(max_retries=0)

    async def ask() -> None:
        if quick.api_key:
            await quick.key_info()
        else:
            await quick.model_endpoints(_PROBE_MODEL)

    started = monotonic()
    try:
        await ask()
    except APIConnectionError as exc:
        return Probe(reachable=False, error=exc)
    except APIStatusError as exc:  # an answer, even a refusal, proves the URL is reachable
        return Probe(reachable=True, first_ms=(monotonic() - started) * 1000, error=exc)
    first = (monotonic() - started) * 1000
    started = monotonic()
    try:
        await ask()
        again: float | None = (monotonic() - started) * 1000
    except OpenRouterError:
        again = None
    account = await _account(client) if client.api_key else None
    return Probe(reachable=True, first_ms=first, again_ms=again, account=account)


async def _account(client: OpenRouterClient) -> AccountView:
    from mcp_server_openrouter.usage.account import account_view

    return await account_view(lambda: client)
