// Shared by the launcher's tests: run the real launcher as a process, make stub programs.

import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const NPM_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const REPO_DIR = path.resolve(NPM_DIR, "..");
export const LAUNCHER = path.join(NPM_DIR, "bin", "openrouter-mcp.js");

export function temporaryDir(prefix = "openrouter-mcp-launcher-") {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A shell script named `name` in `dir`, standing in for python3, uvx, … */
export function stub(dir, name, body) {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** The environment a launcher under test sees: nothing of the developer's OpenRouter or cache settings. */
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(OPENROUTER_|CACHE_|XDG_)/.test(name)) env[name] = value;
  }
  return { ...env, ...extra };
}

/** Starts the launcher with piped stdio; `done` resolves with its code, signal, stdout and stderr. */
export function startLauncher(args, env) {
  const child = spawn(process.execPath, [LAUNCHER, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
  const done = new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done, output: () => ({ stdout, stderr }) };
}

/** Runs the launcher to the end with `input` on its stdin. */
export async function runLauncher(args, env, input = "") {
  const running = startLauncher(args, env);
  running.child.stdin.end(input);
  return running.done;
}
