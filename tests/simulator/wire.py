"""Reading the simulator's answers in tests: server-sent events split into chunks and comments."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..helpers import FAKE_KEY

AUTH = {"Authorization": f"Bearer {FAKE_KEY}"}


@dataclass(frozen=True)
class Wire:
    """A stream as it arrived: every event in order (a dict per chunk, "[DONE]", or a comment)."""

    events: list[Any]

    @classmethod
    def parse(cls, text: str) -> Wire:
        events: list[Any] = []
        for block in text.split("\n\n"):
            for line in block.splitlines():
                if line.startswith("data: "):
                    data = line[len("data: ") :]
                    events.append(data if data == "[DONE]" else json.loads(data))
                elif line.startswith(":"):
                    events.append(line)
        return cls(events)

    @property
    def chunks(self) -> list[dict[str, Any]]:
        return [e for e in self.events if isinstance(e, dict)]

    @property
    def comments(self) -> list[str]:
        return [e for e in self.events if isinstance(e, str) and e.startswith(":")]

    def deltas(self) -> list[dict[str, Any]]:
        """The delta of every chunk that has a choice."""
        return [c["choices"][0].get("delta", {}) for c in self.chunks if c.get("choices")]

    def text(self, key: str = "content") -> str:
        return "".join(d.get(key) or "" for d in self.deltas())

    def usage(self) -> dict[str, Any]:
        (usage,) = [c["usage"] for c in self.chunks if "usage" in c]
        assert isinstance(usage, dict)
        return usage

    def kinds(self) -> list[str]:
        """What each chunk carried, in order (a run of one kind counted once)."""
        kinds: list[str] = []
        for delta in self.deltas():
            kind = next(
                (k for k in ("reasoning_details", "tool_calls", "annotations", "images") if delta.get(k)),
                "content" if delta.get("content") else "",
            )
            if kind and (not kinds or kinds[-1] != kind):
                kinds.append(kind)
        return kinds
