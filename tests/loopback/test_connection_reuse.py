"""Streamed calls give their connection back to the pool, as plain calls do.

A response closed before the end of its body closes its connection; against OpenRouter that is
a TCP and TLS handshake for every streamed call after the first.
"""

from __future__ import annotations

import httpx
import pytest

from mcp_server_openrouter.simulator import Simulator

from ..helpers import make_client

pytestmark = pytest.mark.anyio

BODY = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 20}


async def test_streamed_calls_one_after_another_share_one_connection(loopback: tuple[Simulator, str]) -> None:
    simulator, base_url = loopback
    async with make_client(httpx.AsyncHTTPTransport(), base_url=base_url) as client:
        for _ in range(3):
            async with client.stream_chat(BODY) as stream:
                async for _event in stream.events():
                    pass
                assert stream.completion().text

    assert simulator.connections.opened == 1


async def test_a_stream_left_before_its_end_still_closes_its_connection(loopback: tuple[Simulator, str]) -> None:
    simulator, base_url = loopback
    async with make_client(httpx.AsyncHTTPTransport(), base_url=base_url) as client:
        for _ in range(2):
            async with client.stream_chat({**BODY, "max_tokens": 400}) as stream:
                async for _event in stream.events():
                    break  # the caller stops reading: generation (and billing) must stop too

    assert simulator.connections.opened == 2
