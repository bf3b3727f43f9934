// End to end: the launcher builds its private environment from this repository (OPENROUTER_MCP_PIP_SPEC),
// then an MCP client talks to the real server through it over stdio. No network: pip takes the
// package from the clone and its dependencies from the machine's package index.

import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";

import { launcherVersion } from "../lib/launcher.js";
import { findOnPath } from "../lib/python.js";
import { venvDir } from "../lib/venv.js";
import { cleanEnv, REPO_DIR, runLauncher, startLauncher, temporaryDir } from "./helpers.js";

const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "launcher-test", version: "0" } },
};

/** A JSON-RPC client over a running launcher's stdin and stdout (one message a line). */
function client(running) {
  const seen = [];
  const waiting = new Map();
  let buffer = "";
  running.child.stdout.on("data", (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const message = JSON.parse(buffer.slice(0, newline)); // anything but JSON-RPC on stdout fails here
      buffer = buffer.slice(newline + 1);
      seen.push(message);
      waiting.get(message.id)?.(message);
    }
  });
  const send = (message) => running.child.stdin.write(`${JSON.stringify(message)}\n`);
  return {
    seen,
    notify: send,
    request(message) {
      const reply = new Promise((resolve) => waiting.set(message.id, resolve));
      send(message);
      return reply;
    },
  };
}

describe("a stdio round trip through the launcher and a private environment built from this repository", () => {
  let home;
  let env;

  before(() => {
    home = temporaryDir();
    env = cleanEnv({
      XDG_CACHE_HOME: path.join(home, "cache"),
      XDG_CONFIG_HOME: path.join(home, "config"),
      XDG_DATA_HOME: path.join(home, "data"),
      OPENROUTER_MCP_PIP_SPEC: REPO_DIR,
      OPENROUTER_MCP_RUNNER: "venv",
      OPENROUTER_MCP_LOG_LEVEL: "WARNING",
    });
    if (process.env.OPENROUTER_MCP_TEST_PYTHON) env.OPENROUTER_MCP_PYTHON = process.env.OPENROUTER_MCP_TEST_PYTHON;
  });

  after(() => rmSync(home, { recursive: true, force: true }));

  async function session(check) {
    const running = startLauncher([], env);
    const rpc = client(running);
    const started = performance.now();
    const initialized = await rpc.request(INITIALIZE);
    const initializeMs = performance.now() - started;
    rpc.notify({ jsonrpc: "2.0", method: "notifications/initialized" });
    const listed = await rpc.request({ jsonrpc: "2.0", id: 2, method: "tools/list" });
    await check?.(running);
    running.child.stdin.end(); // the client leaves: the server ends, and the launcher with it
    const result = await running.done;
    return { initialized, listed, result, initializeMs, seen: rpc.seen };
  }

  it(
    "first run: creates the environment, then initialize and tools/list answer over stdio",
    { timeout: 600_000 },
    async (t) => {
      const { initialized, listed, result, seen } = await session();
      assert.equal(initialized.result.serverInfo.name, "openrouter");
      const names = listed.result.tools.map((tool) => tool.name);
      for (const name of ["chat_with_model", "list_available_models", "get_model_info", "get_job_result"]) {
        assert.ok(names.includes(name), `${name} in ${names}`);
      }
      assert.ok(seen.every((message) => message.jsonrpc === "2.0"));
      assert.equal(result.code, 0);
      assert.match(result.stderr, /first run: creating a private Python environment in .*launcher[/\\]venv/);
      assert.match(result.stderr, new RegExp(`installing ${REPO_DIR.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&")}`));
      const marker = JSON.parse(readFileSync(path.join(venvDir(env), "openrouter-mcp-launcher.json"), "utf8"));
      assert.deepEqual(marker, { spec: REPO_DIR, launcher: launcherVersion(), installed: launcherVersion() });
      t.diagnostic(`tools: ${names.length}`);
    },
  );

  it("later runs reuse the environment without installing anything", { timeout: 60_000 }, async (t) => {
    const { listed, result, initializeMs } = await session();
    assert.ok(listed.result.tools.length > 0);
    assert.equal(result.code, 0);
    assert.doesNotMatch(result.stderr, /installing|creating|updating/);
    t.diagnostic(`spawn → initialize reply through the launcher: ${initializeMs.toFixed(0)} ms`);
  });

  it(
    "install claude-desktop through the launcher writes `npx -y openrouter-mcp`, not the private environment's Python",
    { timeout: 60_000 },
    async () => {
      const result = await runLauncher(["install", "claude-desktop"], { ...env, HOME: home });
      assert.equal(result.code, 0, result.stderr);
      const written = path.join(home, "config", "Claude", "claude_desktop_config.json");
      const entry = JSON.parse(readFileSync(written, "utf8")).mcpServers.openrouter;
      assert.deepEqual(entry, { command: findOnPath("npx", env) ?? "npx", args: ["-y", "openrouter-mcp"] });
      assert.ok(!JSON.stringify(entry).includes(venvDir(env)));
    },
  );

  it(
    "SIGTERM to the launcher stops the server cleanly, and the launcher exits with its status 0",
    { timeout: 60_000 },
    async () => {
      const { result } = await session((running) => running.child.kill("SIGTERM"));
      assert.equal(result.code, 0);
      assert.equal(result.signal, null);
    },
  );

  it(
    "a launcher of a new version updates the environment in place to its own version",
    { timeout: 300_000 },
    async () => {
      const marker = path.join(venvDir(env), "openrouter-mcp-launcher.json");
      writeFileSync(
        marker,
        JSON.stringify({ spec: "mcp-server-openrouter==0.0.1", launcher: "0.0.1", installed: "0.0.1" }),
      );
      const { listed, result } = await session();
      assert.ok(listed.result.tools.length > 0);
      assert.match(
        result.stderr,
        /updating the private Python environment .* from mcp-server-openrouter==0\.0\.1 \(launcher 0\.0\.1\)/,
      );
      assert.doesNotMatch(result.stderr, /creating/); // in place: the venv was kept
      assert.equal(JSON.parse(readFileSync(marker, "utf8")).launcher, launcherVersion());
    },
  );
});
