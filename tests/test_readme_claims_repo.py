"""README claims about the source tree, the layout and CI that no other test checked.

The layer rules themselves are in `test_architecture.py`; these read the same tree for the
README's other structural promises (httpx in one module, one reader of the environment, one
seam into the SDK), and read `.ci/run` and the pre-commit hooks for what the README says they run.
"""

from __future__ import annotations

import ast
import inspect
import re
import subprocess
from pathlib import Path

import pytest

from mcp_server_openrouter.cli import COMMANDS
from mcp_server_openrouter.server import bench_tools, catalog_tools, chat_tools, job_tools, spending_tools

from .test_architecture import ALLOWED

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "mcp_server_openrouter"
SOURCES = sorted(PACKAGE.rglob("*.py"))


def relative(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def _is_type_checking(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports_httpx(node: ast.stmt) -> bool:
    if isinstance(node, ast.Import):
        return any(alias.name.split(".")[0] == "httpx" for alias in node.names)
    return isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "httpx"


def httpx_imports(body: list[ast.stmt], *, into_functions: bool) -> int:
    """Imports of httpx that run (never those under `if TYPE_CHECKING:`); module level only unless
    `into_functions`."""
    found = 0
    for node in body:
        if _is_type_checking(node):
            continue
        if _imports_httpx(node):
            found += 1
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not into_functions:
            continue
        for field in ("body", "orelse", "finalbody", "handlers"):
            children = getattr(node, field, None)
            if isinstance(children, list):
                found += httpx_imports([c for c in children if isinstance(c, ast.stmt)], into_functions=into_functions)
            elif field == "handlers" and children:
                for handler in children:
                    found += httpx_imports(handler.body, into_functions=into_functions)
    return found


def test_only_the_clients_http_module_imports_httpx_at_module_level() -> None:
    at_import = {relative(p) for p in SOURCES if httpx_imports(ast.parse(p.read_text()).body, into_functions=False)}
    assert at_import == {"client/_http.py"}
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"TID253"' in pyproject and 'banned-module-level-imports = ["httpx"]' in pyproject


def test_httpx_is_used_only_inside_the_client_the_one_door_to_openrouter() -> None:
    anywhere = {relative(p) for p in SOURCES if httpx_imports(ast.parse(p.read_text()).body, into_functions=True)}
    assert anywhere and all(path.startswith("client/") for path in anywhere), anywhere


ENVIRONMENT_READERS = {"environ", "getenv", "environb"}


def _reads_environment(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and ast.unparse(node.value) == "os" and node.attr in ENVIRONMENT_READERS:
            return True
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == "os"
            and any(alias.name in ENVIRONMENT_READERS for alias in node.names)
        ):
            return True
    return False


def test_settings_in_config_py_are_the_only_reader_of_the_environment() -> None:
    readers = {relative(p) for p in SOURCES if _reads_environment(ast.parse(p.read_text()))}
    assert all(path == "config.py" or path.startswith("config/") for path in readers), readers


def test_server_sdk_py_is_the_only_code_touching_the_sdks_internals() -> None:
    touching = {relative(p) for p in SOURCES if "fn_metadata" in p.read_text()}
    assert touching == {"server/_sdk.py"}


@pytest.mark.parametrize(
    ("module", "name"),
    [
        (chat_tools, "chat_with_model"),
        (chat_tools, "chat_with_vision"),
        (job_tools, "get_job_result"),
        (job_tools, "cancel_job"),
        (catalog_tools, "list_available_models"),
        (catalog_tools, "list_vision_models"),
        (catalog_tools, "get_model_info"),
        (catalog_tools, "refresh_model_cache"),
        (spending_tools, "estimate_cost"),
        (bench_tools, "benchmark_models"),
        (bench_tools, "ask_panel"),
    ],
)
def test_each_tool_is_a_plain_async_function_with_flat_typed_arguments_in_its_domains_module(
    module: object, name: str
) -> None:
    function = getattr(module, name)
    assert inspect.iscoroutinefunction(function) and function.__module__ == getattr(module, "__name__", None)
    parameters = inspect.signature(function).parameters.values()
    assert all(p.annotation is not inspect.Parameter.empty for p in parameters)
    assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in parameters)


LAYOUT = [
    "src/mcp_server_openrouter/__main__.py",
    "src/mcp_server_openrouter/errors.py",
    "src/mcp_server_openrouter/config.py",
    "src/mcp_server_openrouter/_constants.py",
    "src/mcp_server_openrouter/_redact.py",
    "src/mcp_server_openrouter/_parse.py",
    "src/mcp_server_openrouter/_validate.py",
    "src/mcp_server_openrouter/app.py",
    "src/mcp_server_openrouter/client/__init__.py",
    "src/mcp_server_openrouter/client/_http.py",
    "src/mcp_server_openrouter/storage/__init__.py",
    "src/mcp_server_openrouter/storage/catalog_file.py",
    "src/mcp_server_openrouter/storage/responses.py",
    "src/mcp_server_openrouter/storage/files.py",
    "src/mcp_server_openrouter/storage/memory.py",
    "src/mcp_server_openrouter/storage/sqlite.py",
    "src/mcp_server_openrouter/catalog/model.py",
    "src/mcp_server_openrouter/catalog/query.py",
    "src/mcp_server_openrouter/catalog/cache.py",
    "src/mcp_server_openrouter/catalog/views.py",
    "src/mcp_server_openrouter/catalog/service.py",
    "src/mcp_server_openrouter/chat/request.py",
    "src/mcp_server_openrouter/chat/run.py",
    "src/mcp_server_openrouter/chat/progress.py",
    "src/mcp_server_openrouter/chat/result.py",
    "src/mcp_server_openrouter/chat/service.py",
    "src/mcp_server_openrouter/jobs/job.py",
    "src/mcp_server_openrouter/jobs/manager.py",
    "src/mcp_server_openrouter/jobs/calls.py",
    "src/mcp_server_openrouter/jobs/pages.py",
    "src/mcp_server_openrouter/jobs/views.py",
    "src/mcp_server_openrouter/server/job_tools.py",
    "src/mcp_server_openrouter/storage/jobs.py",
    "src/mcp_server_openrouter/client/_retry.py",
    "src/mcp_server_openrouter/client/_limits.py",
    "src/mcp_server_openrouter/client/_pacing.py",
    "src/mcp_server_openrouter/cli/_stdin.py",
    "perf/resilience.py",
    "perf/shutdown.py",
    "src/mcp_server_openrouter/server/__init__.py",
    "src/mcp_server_openrouter/server/chat_tools.py",
    "src/mcp_server_openrouter/server/catalog_tools.py",
    "src/mcp_server_openrouter/server/_tooling.py",
    "src/mcp_server_openrouter/server/_sdk.py",
    "src/mcp_server_openrouter/server/_schema.py",
    "src/mcp_server_openrouter/cli/__init__.py",
    "src/mcp_server_openrouter/cli/demo_session.py",
    "src/mcp_server_openrouter/simulator/__init__.py",
    "tests/helpers.py",
    "tests/captures",
    "tests/test_captures.py",
    "tests/test_architecture.py",
    "perf/startup.py",
    "perf/latency.py",
    "perf/catalog.py",
    "NOTES.md",
    ".ci/run",
    "src/mcp_server_openrouter/media/__init__.py",
    "src/mcp_server_openrouter/media/paths.py",
    "src/mcp_server_openrouter/media/sniff.py",
    "src/mcp_server_openrouter/media/images.py",
    "src/mcp_server_openrouter/media/files.py",
    "src/mcp_server_openrouter/media/attachment.py",
    "src/mcp_server_openrouter/media/output.py",
    "src/mcp_server_openrouter/config/_sources.py",
    "src/mcp_server_openrouter/config/_spending.py",
    "src/mcp_server_openrouter/config/_http.py",
    "src/mcp_server_openrouter/config/_host.py",
    "src/mcp_server_openrouter/storage/ledger.py",
    "src/mcp_server_openrouter/usage/recorder.py",
    "src/mcp_server_openrouter/usage/context.py",
    "src/mcp_server_openrouter/usage/estimate.py",
    "src/mcp_server_openrouter/usage/quote.py",
    "src/mcp_server_openrouter/usage/budget.py",
    *(
        f"src/mcp_server_openrouter/bench/{name}.py"
        for name in ("plan", "runner", "figures", "report", "chart", "reports", "panel", "service")
    ),
    *(
        f"src/mcp_server_openrouter/setup/{name}.py"
        for name in (
            *("host", "clients", "launcher", "jsonconfig", "install", "snippets", "userenv", "probe"),
            *("doctor", "client_check", "findings", "names", "_errors"),
        )
    ),
    "src/mcp_server_openrouter/server/spending_tools.py",
    "src/mcp_server_openrouter/server/bench_tools.py",
    "src/mcp_server_openrouter/server/_confirm.py",
    "src/mcp_server_openrouter/server/http.py",
    "src/mcp_server_openrouter/jobs/job.py",
    "perf/bench.py",
    "perf/http_vs_stdio.py",
    "npm/README.md",
    "npm/package.json",
    "scripts/test",
    "scripts/build_mcpb.py",
    "docs/openrouter-mcp.service",
    "Dockerfile",
    ".dockerignore",
]


@pytest.mark.parametrize("path", LAYOUT)
def test_every_path_the_readme_names_exists(path: str) -> None:
    # A module may also be a package of the same name (`config.py` or `config/__init__.py`).
    assert (ROOT / path).exists() or (path.endswith(".py") and (ROOT / path[:-3] / "__init__.py").is_file())


def readme_layer_table() -> dict[str, set[str]]:
    """The README's layer table: {unit: the units it may import, besides the foundation}."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index("| layer | unit | may import, besides the foundation |")
    table: dict[str, set[str]] = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        _, unit_cell, allowed_cell = (cell.strip() for cell in line.strip("|").split("|"))
        unit = re.findall(r"`([^`]+)`", unit_cell)[0].removesuffix("/").removesuffix(".py")
        table[unit] = set(re.findall(r"`([^`]+)`", allowed_cell))
    return table


def test_the_readmes_layer_table_is_the_one_the_architecture_test_enforces() -> None:
    table = readme_layer_table()
    table["foundation"] = table.pop("errors")  # the foundation's row starts with errors.py
    everything = set(ALLOWED) - {"cli", "__main__", "foundation"}
    assert table.pop("cli") == {"simulator"} and ALLOWED["cli"] == everything  # "everything, simulator included"
    assert table == {unit: allowed for unit, allowed in ALLOWED.items() if unit != "cli"}


def test_each_command_is_its_own_module_under_cli() -> None:
    assert set(COMMANDS) == {
        *("serve", "demo", "simulate", "models", "cache", "config-path"),
        *("init", "install", "uninstall", "doctor", "bench"),
        *("usage", "account", "dashboard"),
    }
    assert all((PACKAGE / "cli" / f"{module}.py").is_file() for module in COMMANDS.values())


def readme_block_after(marker: str) -> str:
    """The first line of the fenced block after `<!-- ci:NAME -->` in README.md, read by Python."""
    lines = (ROOT / "README.md").read_text().splitlines()
    start = lines.index(marker)
    fence = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("```"))
    return lines[fence + 1]


def ci_readme_command(name: str) -> str:
    """What `.ci/run`'s own `readme_command` function extracts for `name`."""
    script = (ROOT / ".ci" / "run").read_text()
    start = script.index("readme_command() {")
    function = script[start : script.index("\n}\n", start) + 3]
    done = subprocess.run(
        ["bash", "-c", f"{function}\nreadme_command {name}"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_ci_runs_the_two_readme_commands_demo_first_tests_last_with_the_linters_between() -> None:
    for name in ("demo", "test"):
        assert ci_readme_command(name) == readme_block_after(f"<!-- ci:{name} -->"), name
    script = (ROOT / ".ci" / "run").read_text()
    # The suites on the other Pythons start first, in the background; they are waited for before the tests.
    steps = [
        "for version in 3.10 3.13; do",
        'bash -c "$demo_command"',
        ".venv/bin/ruff check .",
        ".venv/bin/ruff format --check .",
        ".venv/bin/mypy --strict src tests",
        'if wait "$pid"',
        'bash -c "$test_command"',
    ]
    positions = [script.index(step) for step in steps]
    assert positions == sorted(positions)
    commands = [line for line in script.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert commands[-1] == 'bash -c "$test_command"'  # the tests run last


def test_scripts_test_runs_nodes_tests_then_pytest_last_and_says_loudly_when_node_is_missing() -> None:
    script = (ROOT / "scripts" / "test").read_text()
    commands = [line.strip() for line in script.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    node = commands.index("node --test npm/test/*.test.js || node_status=$?")
    pytest_run = commands.index('"$python" -m pytest -q "$@"')  # the script's arguments go to pytest
    assert node < pytest_run and not any("node --test" in line for line in commands[pytest_run:])
    assert "node >= 18 is not installed here: the npm launcher's tests were NOT run\" >&2" in script
    assert "python=${PYTHON:-.venv/bin/python}" in script and (ROOT / "scripts" / "test").stat().st_mode & 0o111


def test_ci_says_loudly_when_python_3_10_or_3_13_is_missing() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    assert "the suite was NOT run on Python $version" in script and ">&2" in script


def test_ci_installs_chromium_for_the_browser_tests_before_them_and_says_loudly_when_it_cannot() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    assert "install -y -q chromium chromium-driver" in script
    assert "the dashboard's browser tests will be SKIPPED" in script
    assert script.index('wait "$browser_pid"') < script.index('bash -c "$test_command"')
    from .dashboard.test_browser import needs_browser

    assert needs_browser.kwargs["reason"].startswith("NO BROWSER TESTS: ")


def test_pre_commit_runs_the_same_checks_as_ci() -> None:
    hooks = (ROOT / ".pre-commit-config.yaml").read_text()
    for entry in ("entry: ruff format", "entry: ruff check", "entry: mypy --strict src tests"):
        assert entry in hooks, entry


def test_every_capture_is_of_a_kind_test_captures_parses() -> None:
    parsed = ("chat-nonstream__", "chat-stream__", "error-", "key__", "models-entry__", "models-list__")
    payloads = [p for p in (ROOT / "tests" / "captures").iterdir() if p.suffix in (".json", ".sse")]
    assert payloads and [p.name for p in payloads if not p.name.startswith(parsed)] == []


def test_every_test_the_claims_table_in_notes_names_exists() -> None:
    notes = (ROOT / "NOTES.md").read_text(encoding="utf-8")
    short = {"R": "test_readme_claims.py", "RC": "test_readme_claims_cli.py", "RR": "test_readme_claims_repo.py"}
    named = re.findall(r"([A-Za-z0-9_/.]+)::(test_\w+)", notes)
    missing = [
        f"{file}::{name}"
        for file, name in named
        if f"def {name}(" not in _text_or_empty(ROOT / "tests" / short.get(file, file))
    ]
    assert len(named) > 200 and missing == []


def _text_or_empty(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""
