// Finding Python and uvx, the cache directory per OS, and the errors when Python is missing or old.

import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";

import { candidates, findOnPath, findPython, installHint, isNewEnough, parseVersion } from "../lib/python.js";
import { cacheRoot, venvDir, venvPython } from "../lib/venv.js";
import { cleanEnv, runLauncher, stub, temporaryDir } from "./helpers.js";

const posix = process.platform !== "win32";

describe("choosing a Python", () => {
  it("reads versions and accepts 3.10 and newer only", () => {
    assert.deepEqual(parseVersion("3.12.1\n"), [3, 12, 1]);
    assert.equal(parseVersion("Python 3.12.1"), null);
    assert.equal(isNewEnough([3, 10, 0]), true);
    assert.equal(isNewEnough([4, 0, 0]), true);
    assert.equal(isNewEnough([3, 9, 18]), false);
    assert.equal(isNewEnough([2, 7, 18]), false);
  });

  it("tries py -3 first on Windows, python3 then python elsewhere, and only OPENROUTER_MCP_PYTHON when set", () => {
    assert.deepEqual(
      candidates({}, "win32").map((c) => c.label),
      ["py -3", "python3", "python"],
    );
    assert.deepEqual(
      candidates({}, "linux").map((c) => c.label),
      ["python3", "python"],
    );
    assert.deepEqual(
      candidates({ Openrouter_MCP_Python: "C:\\Py\\python.exe" }, "win32").map((c) => c.command),
      ["C:\\Py\\python.exe"],
    );
  });

  it("takes the first candidate that is new enough, skipping old and missing ones", () => {
    const answers = {
      python3: { found: true, version: [3, 8, 10], executable: "/usr/bin/python3" },
      python: { found: false },
    };
    assert.throws(
      () => findPython({}, "linux", (c) => answers[c.label]),
      /only an older one \(python3 is Python 3\.8\.10\)/,
    );
    answers.python = { found: true, version: [3, 13, 0], executable: "/opt/py/bin/python3.13" };
    const found = findPython({}, "linux", (c) => answers[c.label]);
    assert.deepEqual([found.label, found.executable], ["python", "/opt/py/bin/python3.13"]);
  });

  it("says how to install Python (or uv) on each OS", () => {
    assert.match(installHint("darwin"), /brew install python@3\.13/);
    assert.match(installHint("win32"), /winget install Python\.Python\.3\.13/);
    assert.match(installHint("linux"), /sudo apt install python3 python3-venv/);
    for (const platform of ["darwin", "win32", "linux"]) {
      assert.match(installHint(platform), /install uv/);
      assert.match(installHint(platform), /OPENROUTER_MCP_PYTHON/);
    }
  });
});

describe("where the private environment lives", () => {
  it("is in the user cache directory of each OS, where the server keeps its caches", () => {
    assert.equal(cacheRoot({ XDG_CACHE_HOME: "/x/cache" }, "linux", "/home/u"), "/x/cache/openrouter-mcp");
    assert.equal(cacheRoot({ XDG_CACHE_HOME: "relative" }, "linux", "/home/u"), "/home/u/.cache/openrouter-mcp");
    assert.equal(cacheRoot({}, "darwin", "/Users/u"), "/Users/u/Library/Caches/openrouter-mcp");
    assert.equal(
      cacheRoot({ LocalAppData: "C:\\Users\\u\\AppData\\Local" }, "win32", "C:\\Users\\u"),
      "C:\\Users\\u\\AppData\\Local\\openrouter-mcp\\Cache",
    );
    assert.equal(venvDir({}, "darwin", "/Users/u"), "/Users/u/Library/Caches/openrouter-mcp/launcher/venv");
    assert.equal(venvPython("C:\\v", "win32"), "C:\\v\\Scripts\\python.exe");
    assert.equal(venvPython("/v", "linux"), "/v/bin/python");
  });
});

describe("finding a program on PATH", { skip: !posix && "POSIX permissions" }, () => {
  it("finds executables only, without running anything", () => {
    const dir = temporaryDir();
    writeFileSync(path.join(dir, "uvx"), "not executable");
    assert.equal(findOnPath("uvx", { PATH: dir }, "linux"), null);
    const uvx = stub(dir, "uvx", "exit 0");
    assert.equal(findOnPath("uvx", { PATH: `/nonexistent:${dir}` }, "linux"), uvx);
  });
});

describe("the launcher without a usable Python", { skip: !posix && "stub programs are shell scripts" }, () => {
  it("says Python is missing, with install hints, and prints nothing on stdout", async () => {
    const empty = temporaryDir();
    const env = cleanEnv({ PATH: empty, XDG_CACHE_HOME: path.join(empty, "cache") });
    const result = await runLauncher([], env);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /Python 3\.10 or newer is needed .* found none on PATH \(tried: python3, python\)/);
    assert.match(result.stderr, process.platform === "darwin" ? /brew install/ : /sudo apt install python3/);
  });

  it("says the Python it found is too old, naming its version", async () => {
    const bin = temporaryDir();
    stub(bin, "python3", 'printf "3.8.10\\n/usr/bin/python3.8\\n"');
    const env = cleanEnv({ PATH: bin, XDG_CACHE_HOME: path.join(bin, "cache") });
    const result = await runLauncher(["doctor"], env);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /found only an older one \(python3 is Python 3\.8\.10\)/);
    assert.doesNotMatch(result.stderr, /\n\s+at /); // one message, never a stack trace
  });

  it("refuses an unknown OPENROUTER_MCP_RUNNER and a uvx runner with no uvx", async () => {
    const empty = temporaryDir();
    let result = await runLauncher([], cleanEnv({ PATH: empty, OPENROUTER_MCP_RUNNER: "conda" }));
    assert.match(result.stderr, /OPENROUTER_MCP_RUNNER is "conda"; use one of auto, uvx, venv/);
    result = await runLauncher([], cleanEnv({ PATH: empty, OPENROUTER_MCP_RUNNER: "uvx" }));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no uvx is on PATH/);
  });
});
