"""The layering rules of the README's "Architecture" section, checked on the source tree.

Every import of our own modules (module level, inside functions and under TYPE_CHECKING alike)
must go from a layer to one it may use; see `ALLOWED`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "mcp_server_openrouter"
ROOT = "mcp_server_openrouter"

# The bottom layer: small modules with no knowledge of the domain.
FOUNDATION = {"__init__", "_constants", "_redact", "_parse", "_validate", "errors", "config"}
# What each unit (a top-level module or package) may import, besides the foundation and itself.
ALLOWED: dict[str, set[str]] = {
    "foundation": set(),
    "client": set(),
    "storage": set(),
    "simulator": set(),
    "catalog": {"client", "storage"},
    "media": {"storage"},
    "usage": {"client", "storage", "catalog"},
    "chat": {"client", "storage", "catalog", "media"},
    "jobs": {"client", "storage", "catalog", "chat", "media", "usage"},
    "bench": {"client", "storage", "catalog", "chat", "jobs", "media", "usage"},
    "setup": {"client", "storage", "usage"},
    "app": {"client", "storage", "catalog", "chat", "jobs", "media", "usage", "bench"},
    "dashboard": {"client", "storage", "catalog", "chat", "jobs", "app", "media", "usage", "bench"},
    "server": {"client", "storage", "catalog", "chat", "jobs", "app", "media", "usage", "bench", "dashboard"},
    "cli": {
        "client",
        "storage",
        "catalog",
        "chat",
        "jobs",
        "app",
        "server",
        "simulator",
        "media",
        "usage",
        "bench",
        "setup",
        "dashboard",
    },
    "__main__": {"cli"},
}
MAX_LINES = 450
MAX_LOOSE_MODULES = 10


def unit_of(module: str) -> str:
    """`mcp_server_openrouter.catalog.cache` -> `catalog`; foundation modules -> `foundation`."""
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else "__init__"
    return "foundation" if top in FOUNDATION else top


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def own_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith(ROOT))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith(ROOT):
            if node.module != ROOT:
                found.add(node.module)
                continue
            # `from mcp_server_openrouter import x`: x is a submodule (count its unit) or a name of the root.
            for alias in node.names:
                is_module = (PACKAGE / f"{alias.name}.py").exists() or (PACKAGE / alias.name).is_dir()
                found.add(f"{ROOT}.{alias.name}" if is_module else ROOT)
    return found


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_the_checks_below_read_the_whole_source_tree() -> None:
    assert len(SOURCES) > 30


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_module_imports_only_from_layers_it_may_use(path: Path) -> None:
    unit = unit_of(module_name(path))
    allowed = ALLOWED[unit] | {unit, "foundation"}
    wrong = sorted(name for name in own_imports(path) if unit_of(name) not in allowed)
    assert wrong == [], f"{unit} may import {sorted(allowed)}, not {wrong}"


def test_no_relative_imports_hide_from_the_layer_check() -> None:
    relative = [
        str(path.relative_to(PACKAGE))
        for path in SOURCES
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.level > 0
    ]
    assert relative == []


def test_no_module_is_longer_than_450_lines() -> None:
    long = {str(p.relative_to(PACKAGE)): n for p in SOURCES if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_the_top_level_has_at_most_ten_loose_modules() -> None:
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(loose) <= MAX_LOOSE_MODULES, loose
    assert all(unit_of(f"{ROOT}.{Path(name).stem}") in ALLOWED for name in loose)


def test_every_package_and_module_belongs_to_a_known_layer() -> None:
    units = {unit_of(module_name(path)) for path in SOURCES}
    assert units <= set(ALLOWED), units - set(ALLOWED)
