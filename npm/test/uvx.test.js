// With uvx on PATH the launcher runs the pinned package through it: arguments, stdio passed straight
// through, the child's exit status and signals (a stub uvx stands in for the real one).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";

import { launcherVersion } from "../lib/launcher.js";
import { cleanEnv, runLauncher, startLauncher, stub, temporaryDir } from "./helpers.js";

const posix = process.platform !== "win32";

/** A PATH holding only a stub uvx that runs `body` after writing its arguments to `args.txt`. */
function uvxStub(body) {
  const dir = temporaryDir();
  stub(dir, "uvx", `for a in "$@"; do printf '%s\\n' "$a"; done > "${dir}/args.txt"\n${body}`);
  return {
    dir,
    env: cleanEnv({ PATH: `${dir}:/usr/bin:/bin` }),
    args: () => readFileSync(path.join(dir, "args.txt"), "utf8"),
  };
}

describe("running through uvx", { skip: !posix && "stub programs are shell scripts" }, () => {
  it("runs the package pinned to the launcher's version, with `start` meaning `serve`", async () => {
    const uvx = uvxStub("exit 0");
    const result = await runLauncher(["start", "--log-level", "DEBUG"], uvx.env);
    assert.equal(result.code, 0);
    const expected = [
      "--from",
      `mcp-server-openrouter==${launcherVersion()}`,
      "openrouter-mcp",
      "serve",
      "--log-level",
      "DEBUG",
    ];
    assert.deepEqual(uvx.args().trim().split("\n"), expected);
  });

  it("passes other commands through as they are, and OPENROUTER_MCP_PIP_SPEC replaces the pin", async () => {
    const uvx = uvxStub("exit 0");
    await runLauncher(["install", "claude-desktop", "--dry-run"], {
      ...uvx.env,
      OPENROUTER_MCP_PIP_SPEC: "/src/clone",
    });
    assert.deepEqual(uvx.args().trim().split("\n"), [
      "--from",
      "/src/clone",
      "openrouter-mcp",
      "install",
      "claude-desktop",
      "--dry-run",
    ]);
  });

  it("tells the server it was started by the npm launcher (OPENROUTER_MCP_LAUNCHER=npx)", async () => {
    const uvx = uvxStub(`printf '%s' "${"$"}OPENROUTER_MCP_LAUNCHER" > "${"$"}(dirname "$0")/launcher.txt"`);
    const result = await runLauncher(["install", "claude-desktop"], uvx.env);
    assert.equal(result.code, 0);
    assert.equal("OPENROUTER_MCP_LAUNCHER" in uvx.env, false); // the launcher set it, not the test
    assert.equal(readFileSync(path.join(uvx.dir, "launcher.txt"), "utf8"), "npx");
  });

  it("passes stdin to the server and its stdout back byte for byte, adding nothing of its own", async () => {
    const uvx = uvxStub("cat; echo 'server log line' >&2; exit 7");
    const input = '{"jsonrpc":"2.0","id":1,"method":"ping"}\n' + "é".repeat(70_000) + "\n";
    const result = await runLauncher([], uvx.env, input);
    assert.equal(result.stdout, input);
    assert.equal(result.stderr, "server log line\n");
    assert.equal(result.code, 7); // the child's exit code, as it is
  });

  it("forwards SIGTERM to the server and exits with the server's status", { timeout: 20_000 }, async () => {
    const uvx = uvxStub(
      `trap 'echo TERM > "${"$"}(dirname "$0")/got.txt"; exit 3' TERM\necho started\nwhile :; do sleep 0.05; done`,
    );
    const running = startLauncher([], uvx.env);
    await waitFor(() => running.output().stdout.includes("started"));
    running.child.kill("SIGTERM");
    const result = await running.done;
    assert.equal(result.code, 3);
    assert.equal(readFileSync(path.join(uvx.dir, "got.txt"), "utf8"), "TERM\n");
  });

  it("dies of the same signal as the server when a signal ends it", async () => {
    const uvx = uvxStub("kill -KILL $$");
    const result = await runLauncher([], uvx.env);
    assert.equal(result.signal, "SIGKILL");
    assert.equal(result.code, null);
  });

  it("prefers the private environment when OPENROUTER_MCP_RUNNER is venv, even with uvx on PATH", async () => {
    const uvx = uvxStub("exit 0");
    const result = await runLauncher([], {
      ...uvx.env,
      OPENROUTER_MCP_RUNNER: "venv",
      OPENROUTER_MCP_PYTHON: "/nonexistent/python",
    });
    assert.match(result.stderr, /found none on PATH \(tried: \/nonexistent\/python\)/);
    assert.throws(() => uvx.args(), /ENOENT/); // uvx never ran
  });
});

async function waitFor(condition, timeoutMs = 10_000) {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
