// `npx openrouter-mcp [command …]`: runs the Python package mcp-server-openrouter at this
// launcher's own version, through `uvx` when it is on PATH, else through a private virtual
// environment in the user cache directory. Everything the launcher says goes to stderr.

import { readFileSync } from "node:fs";

import { exitLike, runChild } from "./child.js";
import { envValue, findOnPath, LauncherError } from "./python.js";
import { DISTRIBUTION, ensureVenv, pipSpec } from "./venv.js";

const RUNNERS = ["auto", "uvx", "venv"];
// The launcher's own names for the server's commands (`npx openrouter-mcp start` reads naturally).
const ALIASES = { start: "serve" };

export function launcherVersion() {
  return JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version;
}

export function say(message) {
  process.stderr.write(`openrouter-mcp launcher: ${message}\n`);
}

/** The server's arguments for the launcher's: the same, with `start` meaning `serve`. */
export function serverArguments(argv) {
  const [first, ...rest] = argv;
  return first in ALIASES ? [ALIASES[first], ...rest] : [...argv];
}

/**
 * The server's environment: the launcher's, plus OPENROUTER_MCP_LAUNCHER=npx, which tells
 * `openrouter-mcp install` to write `npx -y openrouter-mcp` into a client's config rather than
 * the private venv's Python (a path a newer launcher updates in place and a cache clean deletes).
 */
export function childEnvironment(env) {
  return { ...env, OPENROUTER_MCP_LAUNCHER: "npx" };
}

/** How to start the server: `{command, args}`, setting up the venv first when that is the way. */
export function plan(argv, env = process.env, platform = process.platform) {
  const version = launcherVersion();
  const args = serverArguments(argv);
  const runner = envValue(env, "OPENROUTER_MCP_RUNNER", platform) || "auto";
  if (!RUNNERS.includes(runner)) {
    throw new LauncherError(`OPENROUTER_MCP_RUNNER is "${runner}"; use one of ${RUNNERS.join(", ")}.`);
  }
  if (runner !== "venv") {
    const uvx = findOnPath("uvx", env, platform);
    if (uvx) return { command: uvx, args: ["--from", pipSpec(env, version), "openrouter-mcp", ...args] };
    if (runner === "uvx") throw new LauncherError("OPENROUTER_MCP_RUNNER is uvx, but no uvx is on PATH.");
  }
  const python = ensureVenv({ env, version, say, platform });
  return { command: python, args: ["-m", DISTRIBUTION.replace(/-/g, "_"), ...args] };
}

export async function main(argv = process.argv.slice(2), env = process.env) {
  try {
    const { command, args } = plan(argv, env);
    exitLike(await runChild(command, args, childEnvironment(env)));
  } catch (error) {
    say(describe(error));
    process.exit(1);
  }
}

function describe(error) {
  if (error instanceof LauncherError) return error.message;
  if (error?.code && error?.path) return `could not use ${error.path}: ${error.message}`;
  return `unexpected error (${error?.stack ?? error}); this is a bug in the launcher, please report it.`;
}
