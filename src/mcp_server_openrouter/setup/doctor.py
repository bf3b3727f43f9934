"""The checks of `openrouter-mcp doctor`, as plain functions returning findings.

Each problem comes with the command or edit that fixes it. The key is never shown: only where it
came from and how long it is (and every line is redacted again when printed).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr

from mcp_server_openrouter import _constants as c
from mcp_server_openrouter._redact import REDACTED, strip_url_credentials
from mcp_server_openrouter.config import DEFAULT, env_name
from mcp_server_openrouter.setup.findings import Finding, info, ok, problem
from mcp_server_openrouter.storage.files import private_dir

if TYPE_CHECKING:
    from mcp_server_openrouter.config import Settings
    from mcp_server_openrouter.setup.probe import Probe

AGAIN = "run `openrouter-mcp doctor` again"
INIT = "run `openrouter-mcp init` (it asks for the key, checks it and saves it in the user config .env)"
# Always shown, even at their defaults: where the key goes and where files are kept.
_ALWAYS_SHOWN = ("api_key", "base_url", "cache_dir", "data_dir")


def about_python(version: Sequence[int], executable: str, package_version: str, platform: str) -> list[Finding]:
    found = f"Python {'.'.join(str(part) for part in version[:3])} ({executable}) on {platform}"
    python = ok(found) if tuple(version[:2]) >= (3, 10) else problem(found, "install Python 3.10 or newer")
    return [python, ok(f"{c.PACKAGE_NAME} {package_version}")]


def about_settings(settings: Settings, env_files: Iterable[Path]) -> list[Finding]:
    """The .env files read, then each setting in effect (the key redacted) and where it came from."""
    findings = [info(f".env {'found' if path.is_file() else 'absent'}: {path.absolute()}") for path in env_files]
    origins = settings.origins()
    at_default = 0
    for name, origin in origins.items():
        if origin == DEFAULT and name not in _ALWAYS_SHOWN:
            at_default += 1
            continue
        findings.append(info(f"{env_name(name)} = {_shown(settings, name)} (from {origin})"))
    findings.append(info(f"{at_default} other settings at their defaults (README, Configuration)"))
    return findings


def _shown(settings: Settings, name: str) -> str:
    value = getattr(settings, name)
    if isinstance(value, SecretStr):
        return f"{REDACTED} ({len(value.get_secret_value())} characters)"
    if value is None:
        return "not set"
    return strip_url_credentials(value) if name == "base_url" else str(value)


def about_service(found: Probe, settings: Settings) -> list[Finding]:
    """Whether the base URL answers, how fast, and whether the key is good and has credit left."""
    url = strip_url_credentials(settings.base_url)
    url_origin = settings.origin("base_url")
    if not found.reachable:
        fix = "check the network, a proxy (HTTPS_PROXY) or a firewall"
        if url_origin != DEFAULT:
            fix += f"; or OPENROUTER_BASE_URL, set in {url_origin}"
        return [problem(f"cannot reach {url}: {found.error}", fix)]
    timing = f"first request {found.first_ms:.0f} ms (connecting included)"
    if found.again_ms is not None:
        timing += f", then {found.again_ms:.0f} ms"
    findings = [ok(f"{url} answers: {timing}")]
    if settings.api_key is None:
        return [*findings, problem("no API key is set: tools that call OpenRouter will refuse to run", INIT)]
    key_origin = settings.origin("api_key")
    if found.key_refused:
        where = f" (or replace it in {key_origin.path})" if key_origin.path else ""
        fix = f"create a key at {c.KEYS_URL}, then {INIT}{where}"
        return [*findings, problem(f"the key from {key_origin} was refused: {found.error}", fix)]
    if found.error is not None:
        return [*findings, problem(f"could not check the key: {found.error}", AGAIN)]
    if found.account is None:
        return findings
    # The account check of `openrouter-mcp account`: a line for the key, then the balance or why it is missing.
    key, lines = found.account.key, found.account.lines()
    if key is None:
        return [*findings, problem(f"could not check the key: {' '.join(lines)}", AGAIN)]
    about_key, rest = lines[0], [info(line) for line in lines[1:]]
    if key.limit is not None and key.limit_remaining is not None and key.limit_remaining <= 0:
        fix = f"raise the key's limit at {c.KEYS_URL}, or use another key ({INIT})"
        return [*findings, problem(f"the key is valid but has nothing left. {about_key}", fix), *rest]
    return [*findings, ok(f"the key is valid. {about_key}"), *rest]


def about_directories(settings: Settings) -> list[Finding]:
    """Whether the cache and data directories (created `0700` if missing) take a file."""
    places = [("cache_dir", settings.cache_dir), ("data_dir", settings.data_dir)]
    if settings.reports_dir is not None:
        places.append(("reports_dir", settings.reports_dir))
    return [_writable(env_name(name), path) for name, path in places]


def _writable(variable: str, path: Path) -> Finding:
    try:
        private_dir(path)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc)
        fix = f"make it writable (`chmod u+rwx {path}`), or set {variable} to a directory you own"
        return problem(f"{variable}: {path} is not writable ({reason})", fix)
    return ok(f"{variable}: {path} is writable")
