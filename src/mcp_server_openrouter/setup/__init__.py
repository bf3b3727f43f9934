"""Setting the server up in MCP clients: `init`, `install`, `uninstall` and `doctor` (see `cli/`).

- `host`: the machine (platform, home, working directory, PATH…), injectable so tests stay hermetic;
- `clients`: where each client keeps its configuration on each platform;
- `launcher`: the absolute command that starts this installation (`npx` when the npm launcher started it),
  and how to recognise ours;
- `jsonconfig`: merging our entry into a client's JSON file safely (backup, atomic, never over bad JSON);
- `install`: Claude Desktop and Claude Code, installed and uninstalled; `snippets`: `install --print`;
- `userenv`: the key in the user config `.env`; `probe`: `GET /key` — reachable, latency, key refused or
  not — then the account check of `usage.account` (spending, limit, balance);
- `doctor`, `client_check`, `findings`: the checks of `doctor`, as plain functions returning findings.

Nothing here knows MCP; the key is never printed (messages go through `redact`). Errors are in `_errors`
(`SetupError`, under the package's one tree). This module imports nothing: every start-up builds the
`--help` of `install` from `names`.
"""
