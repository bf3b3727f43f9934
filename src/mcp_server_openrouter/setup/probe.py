"""One look at the service with the key: is it reachable, how fast, is the key good, what is left.

`GET /key` answers all of it and spends nothing. This is the installers' one use of the account
(`init` and `doctor`); the account view behind `openrouter-mcp account` reads the same call.
Requests go out without retries, so a dead URL is reported at once and the latency is one round trip.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from mcp_server_openrouter import _constants as c
from mcp_server_openrouter.errors import APIConnectionError, APIStatusError, OpenRouterError

if TYPE_CHECKING:
    from mcp_server_openrouter.client import KeyInfo, OpenRouterClient

# A model whose provider list is small: without a key, the only cheap way to ask the service something.
_PROBE_MODEL = "openai/gpt-4o-mini"


@dataclass(frozen=True)
class Probe:
    """What a look at the base URL found. `first_ms` includes connecting (and TLS); `again_ms` does not."""

    reachable: bool
    first_ms: float | None = None
    again_ms: float | None = None
    key: KeyInfo | None = None
    error: OpenRouterError | None = None

    @property
    def key_refused(self) -> bool:
        return isinstance(self.error, APIStatusError) and self.error.status in (401, 403)


async def probe(client: OpenRouterClient, *, monotonic: Callable[[], float] = time.monotonic) -> Probe:
    """Ask `GET /key` twice (or, without a key, a model's endpoints), timing each request."""
    quick = client.with_options(max_retries=0)

    async def ask() -> KeyInfo | None:
        if quick.api_key:
            return await quick.key_info()
        await quick.model_endpoints(_PROBE_MODEL)
        return None

    started = monotonic()
    try:
        info = await ask()
    except APIConnectionError as exc:
        return Probe(reachable=False, error=exc)
    except APIStatusError as exc:  # an answer, even a refusal, proves the URL is reachable
        return Probe(reachable=True, first_ms=(monotonic() - started) * 1000, error=exc)
    first = (monotonic() - started) * 1000
    started = monotonic()
    try:
        await ask()
    except OpenRouterError:
        return Probe(reachable=True, first_ms=first, key=info)
    return Probe(reachable=True, first_ms=first, again_ms=(monotonic() - started) * 1000, key=info)


def dollars(amount: Decimal) -> str:
    """Credit in cents: what is left of a limit, not the price of one call."""
    return f"{'-' if amount < 0 else ''}${abs(amount):,.2f}"


def credit_text(info: KeyInfo) -> str:
    """The key's remaining credit in words: what its limit leaves, or that it has none."""
    # OpenRouter's default label is the key cut short (`sk-or-v1-abc...789`): not worth showing.
    label = f"'{info.label}'" if info.label and not info.label.startswith("sk-") else "this key"
    used = f"; used {dollars(info.usage)} so far" if info.usage is not None else ""
    if info.limit is None:
        return f"{label} has no spending limit (credit is your account balance, see {c.CREDITS_URL}){used}"
    left = info.limit_remaining if info.limit_remaining is not None else info.limit - (info.usage or 0)
    reset = f", resets {info.limit_reset}" if info.limit_reset else ""
    return f"{label}: {dollars(left)} left of its {dollars(info.limit)} limit{reset}{used}"


def out_of_credit(info: KeyInfo) -> bool:
    return info.limit is not None and info.limit_remaining is not None and info.limit_remaining <= 0
