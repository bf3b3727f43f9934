"""A finding of `doctor`: how bad, what was seen, and for a problem the exact fix."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Level(str, Enum):
    OK = "ok"
    INFO = "info"
    WARNING = "warning"
    PROBLEM = "problem"


@dataclass(frozen=True)
class Finding:
    level: Level
    text: str
    fix: str | None = None


def ok(text: str) -> Finding:
    return Finding(Level.OK, text)


def info(text: str) -> Finding:
    return Finding(Level.INFO, text)


def warning(text: str, fix: str) -> Finding:
    return Finding(Level.WARNING, text, fix)


def problem(text: str, fix: str) -> Finding:
    return Finding(Level.PROBLEM, text, fix)
