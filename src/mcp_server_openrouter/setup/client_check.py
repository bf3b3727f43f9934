"""`doctor`'s look at the MCP clients: which configurations start this server, and would it start.

For every client file we know (see `clients.known_configs`) that exists: its servers that are ours,
whether their command exists (an absolute path, or a name on PATH — which a desktop app does not
share with the shell), whether it really runs (`<command> <args> --version`, and which version),
and where that server will find the key.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp_server_openrouter.setup import jsonconfig as jc
from mcp_server_openrouter.setup._errors import SetupError
from mcp_server_openrouter.setup.clients import KnownConfig
from mcp_server_openrouter.setup.doctor import INIT
from mcp_server_openrouter.setup.findings import Finding, info, ok, problem, warning
from mcp_server_openrouter.setup.host import Host
from mcp_server_openrouter.setup.launcher import describe, is_ours
from mcp_server_openrouter.setup.userenv import KEY_VARIABLE


@dataclass(frozen=True)
class Ran:
    """What `<command> --version` did: `output` is its last line (stdout, else stderr)."""

    ok: bool
    output: str


RunVersion = Callable[[list[str]], Ran]


def run_version(argv: list[str]) -> Ran:
    """Start the command as a client would, asking only for its version (uvx or npx may download first)."""
    try:
        done = subprocess.run([*argv, "--version"], capture_output=True, text=True, timeout=90, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Ran(False, str(exc))
    lines = (done.stdout.strip() or done.stderr.strip()).splitlines()
    return Ran(done.returncode == 0, lines[-1] if lines else f"exit status {done.returncode}")


@dataclass(frozen=True)
class KeyPlaces:
    """Where a server a client starts could find the key, besides its own entry."""

    user_env: bool  # the user config .env holds one
    environment: bool  # this shell's environment holds one (reaches only clients that pass it on)


def about_clients(
    host: Host, configs: list[KnownConfig], *, version: str, keys: KeyPlaces, run: RunVersion = run_version
) -> list[Finding]:
    findings: list[Finding] = []
    for config in configs:
        if not config.path.is_file():
            continue
        try:
            servers = _servers(config)
        except SetupError as exc:
            findings.append(problem(f"{config.client}: {exc}", f"fix the file, then {config.reinstall}"))
            continue
        ours = {name: entry for name, entry in servers.items() if _is_ours(entry)}
        if not ours:
            findings.append(info(f"{config.client}: {host.show(config.path)} has no openrouter-mcp server"))
            continue
        for name, entry in ours.items():
            check = _EntryCheck(host, config, name, entry, version=version, keys=keys)
            findings.extend(check.findings(run))
    if not findings:
        findings.append(info("no MCP client configuration found; `openrouter-mcp install --help` lists the clients"))
    return findings


def _servers(config: KnownConfig) -> Mapping[str, Any]:
    if config.is_toml:
        return _toml_servers(config.path)
    return jc.read_config(config.path, config.servers_key).servers(config.servers_key)


def _toml_servers(path: Path) -> Mapping[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib

        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SetupError(f"{path} is not valid TOML ({exc})") from None
        servers = data.get("mcp_servers")
        return servers if isinstance(servers, dict) else {}
    return {}  # tomllib came with 3.11: on 3.10 the Codex file is not read


def _is_ours(entry: object) -> bool:
    return isinstance(entry, dict) and is_ours(entry.get("command"), entry.get("args", []))


@dataclass
class _EntryCheck:
    host: Host
    config: KnownConfig
    name: str
    entry: dict[str, Any]
    version: str
    keys: KeyPlaces

    def findings(self, run: RunVersion) -> list[Finding]:
        command, args = self.entry.get("command"), self.entry.get("args", [])
        args = [str(arg) for arg in args] if isinstance(args, list) else []
        where = f"{self.config.client} ({self.host.show(self.config.path)}, server {self.name!r})"
        fix = f"{self.config.reinstall} (writes the absolute path of this installation)"
        if not isinstance(command, str) or not command:
            return [problem(f"{where} has no command", fix)]
        found = self._locate(command)
        if found is None:
            return [problem(f"{where} starts `{command}`, which does not exist", fix)]
        findings = []
        if not Path(command).is_absolute() and self.config.gui:
            findings.append(
                warning(f"{where} starts `{command}` by name: the app may not share your shell's PATH", fix)
            )
        ran = run([found, *args])
        shown = describe(command, args)
        if not ran.ok:
            return [*findings, problem(f"{where}: `{shown} --version` failed: {ran.output}", fix)]
        said = ran.output.split()[-1] if ran.output.split() else ""
        if said != self.version:
            findings.append(warning(f"{where} runs {ran.output}; this is {self.version}", fix))
        else:
            findings.append(ok(f"{where} runs `{shown}` ({ran.output})"))
        return [*findings, self._key()]

    def _locate(self, command: str) -> str | None:
        path = Path(command).expanduser()
        if path.is_absolute():
            return str(path) if path.is_file() else None
        return self.host.which(command)

    def _key(self) -> Finding:
        env = self.entry.get("env")
        if isinstance(env, dict) and env.get(KEY_VARIABLE):
            return info(f"{self.config.client}: the key is in the server's entry ({KEY_VARIABLE} in its env)")
        if self.keys.user_env:
            return ok(f"{self.config.client}: the server will read the key from the user config .env")
        if self.keys.environment and self.config.shell_env:
            return ok(f"{self.config.client}: the server gets the key from the environment it is started in")
        return problem(
            f"{self.config.client} starts the server without a key: none in its entry, none in the user config .env "
            "(a key only in your shell's environment does not reach a server the client starts)",
            INIT,
        )
