"""Saved reports: one private directory per report under the reports directory, nowhere else.

A report is `<reports dir>/<name>/` holding `report.md`, `report.json`, `runs.csv` and
`chart.svg`, each `0600` in a `0700` directory. The name is generated — a UTC timestamp and a
slug of the caller's name (reduced to letters, digits, `-` and `_`) or of the models — and the
directory is claimed with an exclusive `mkdir`, so no report ever replaces another. A name that
is a path (`../x`, `a/b`) is refused rather than reduced: the caller meant somewhere else.
Reading goes through the same name check, so a resource URI cannot reach outside either.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mcp_server_openrouter.bench.chart import svg_chart
from mcp_server_openrouter.bench.report import BenchmarkReport, SavedReport, render_csv, render_markdown
from mcp_server_openrouter.errors import InvalidArgumentError
from mcp_server_openrouter.storage.files import DIR_MODE, private_dir, write_atomic

logger = logging.getLogger(__name__)

REPORTS_URI = "openrouter://reports"
FILES = {"markdown": "report.md", "json": "report.json", "csv": "runs.csv", "chart": "chart.svg"}
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,119}")
_SLUG_CHARS = 60
_UNSAFE = re.compile(r"[^A-Za-z0-9_]+")
LISTED = 100


def report_uri(name: str) -> str:
    return f"{REPORTS_URI}/{name}"


def base_name(name: object, models: Sequence[str]) -> str:
    """The slug of a report's name: the caller's, reduced to a safe base, or the models'."""
    if name is not None:
        if not isinstance(name, str) or not name.strip():
            raise InvalidArgumentError('A report name must be a non-empty string, such as "haiku-vs-mini".')
        if "/" in name or "\\" in name or "\x00" in name or name.strip().startswith("."):
            raise InvalidArgumentError(
                f'The report name {name[:80]!r} is a path; give a plain name such as "haiku-vs-mini": reports are '
                "only written to the reports directory (`openrouter-mcp config-path` shows it)."
            )
        slug = slugify(name)
        if not slug:
            raise InvalidArgumentError(
                f'The report name {name[:80]!r} has no letters or digits to name a file with; use e.g. "haiku-vs-mini".'
            )
        return slug
    slugs = [slugify(model.split("/")[-1]) for model in models[:3]]
    slug = "-vs-".join(s for s in slugs if s) + (f"-and-{len(models) - 3}-more" if len(models) > 3 else "")
    return slug[:_SLUG_CHARS].strip("-_") or "benchmark"


def slugify(text: str) -> str:
    """Letters, digits and `_` kept, every other run of characters one `-` ("gpt-4.1 mini!" → "gpt-4-1-mini")."""
    return _UNSAFE.sub("-", text).strip("-_")[:_SLUG_CHARS].strip("-_")


def _claim(directory: Path, stem: str) -> Path:
    """A new directory `<stem>` (or `<stem>-2`, …) under `directory`, created by us alone."""
    for attempt in range(1, 100):
        path = directory / (stem if attempt == 1 else f"{stem}-{attempt}")
        try:
            os.mkdir(path, DIR_MODE)
        except FileExistsError:
            continue
        return path
    raise OSError(f"no free report name for {stem} in {directory}")


def save_report(
    report: BenchmarkReport, directory: Path, *, name: object = None, now: float | None = None, ours: bool = True
) -> SavedReport:
    """Write the report's four files into a new directory under `directory`; what was saved where.

    `directory` is the reports directory (`ours`: made `0700`), or one the user named on the command
    line, which is created if missing but otherwise left as it is (its report folder is `0700`).
    """
    slug = base_name(name, [figures.model for figures in report.models])
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(time.time() if now is None else now))
    if ours:
        private_dir(directory)
    else:
        directory.mkdir(parents=True, exist_ok=True)
    folder = _claim(directory, f"{stamp}-{slug}")
    saved = SavedReport(
        name=folder.name,
        uri=report_uri(folder.name),
        directory=str(folder),
        files={kind: str(folder / file) for kind, file in FILES.items()},
    )
    final = report.model_copy(update={"saved": saved})
    contents = {
        "markdown": render_markdown(final),
        "json": final.model_dump_json(indent=2, exclude_none=True, exclude={"status", "job_id", "note"}) + "\n",
        "csv": render_csv(final),
        "chart": svg_chart(final),
    }
    try:
        for kind, text in contents.items():
            write_atomic(folder / FILES[kind], text.encode("utf-8"))
    except BaseException:
        for file in FILES.values():
            (folder / file).unlink(missing_ok=True)
        folder.rmdir()
        raise
    return saved


def report_folder(directory: Path, name: str) -> Path:
    """The folder of the saved report `name`, or `InvalidArgumentError` (bad or unknown name)."""
    if not _NAME.fullmatch(name):
        raise InvalidArgumentError(
            f"{name[:80]!r} is not a report name; {REPORTS_URI} lists the saved reports and their URIs."
        )
    folder = directory / name
    if not (folder / FILES["markdown"]).is_file():
        raise InvalidArgumentError(f"no saved report {name!r}; {REPORTS_URI} lists the saved reports.")
    return folder


def read_report(directory: Path, name: str) -> str:
    """The Markdown of a saved report."""
    return (report_folder(directory, name) / FILES["markdown"]).read_text(encoding="utf-8")


def list_reports(directory: Path) -> list[dict[str, Any]]:
    """The saved reports, newest first (at most `LISTED`): name, URI, when, models, cost, files."""
    if not directory.is_dir():
        return []
    names = sorted((p.name for p in directory.iterdir() if _NAME.fullmatch(p.name) and p.is_dir()), reverse=True)
    listed = []
    for name in names[:LISTED]:
        folder = directory / name
        entry: dict[str, Any] = {"name": name, "uri": report_uri(name)}
        try:
            data = json.loads((folder / FILES["json"]).read_text(encoding="utf-8"))
            entry["started_at"] = data.get("started_at")
            entry["models"] = [m.get("model") for m in data.get("models", []) if isinstance(m, dict)]
            entry["total_cost_usd"] = data.get("total_cost_usd")
        except (OSError, ValueError, AttributeError) as exc:
            logger.warning("could not read the saved report %s: %s", name, type(exc).__name__)
            entry["unreadable"] = True
        entry["files"] = {kind: str(folder / file) for kind, file in FILES.items() if (folder / file).is_file()}
        listed.append(entry)
    return listed
