// Finding a Python new enough to run mcp-server-openrouter, and saying how to get one when
// there is none. Only node built-ins: the launcher must run from `npx` with nothing installed.

import { spawnSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";

export const MINIMUM = [3, 10];
const MINIMUM_TEXT = `${MINIMUM[0]}.${MINIMUM[1]}`;

// Prints "3.12.1" then the interpreter's own path, so the venv is built from a real file (not a shim).
const PROBE = 'import sys; print("%d.%d.%d" % sys.version_info[:3]); print(sys.executable)';

/** An error the launcher reports as one message on stderr, never a stack trace. */
export class LauncherError extends Error {}

/** The environment variable `name`, looked up as Windows does (its names ignore case). */
export function envValue(env, name, platform = process.platform) {
  if (platform !== "win32") return env[name];
  const key = Object.keys(env).find((k) => k.toUpperCase() === name.toUpperCase());
  return key === undefined ? undefined : env[key];
}

/** The interpreters to try, in order: an explicit one, else the usual names for the OS. */
export function candidates(env, platform = process.platform) {
  const chosen = envValue(env, "OPENROUTER_MCP_PYTHON", platform);
  if (chosen) return [{ command: chosen, args: [], label: chosen }];
  const names = [
    { command: "python3", args: [], label: "python3" },
    { command: "python", args: [], label: "python" },
  ];
  // The launcher `py` is how python.org's installer exposes Python on Windows; `python` there may
  // be the Microsoft Store stub, which prints an advert and fails (and is then skipped).
  return platform === "win32" ? [{ command: "py", args: ["-3"], label: "py -3" }, ...names] : names;
}

/** "3.12.1" → [3, 12, 1]; anything else → null. */
export function parseVersion(text) {
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(String(text).trim());
  return match ? match.slice(1, 4).map(Number) : null;
}

export function isNewEnough(version) {
  return version[0] > MINIMUM[0] || (version[0] === MINIMUM[0] && version[1] >= MINIMUM[1]);
}

/** Runs one candidate: `{found: false}` when it is not there or does not answer like a Python. */
export function probe(candidate, env) {
  const done = spawnSync(candidate.command, [...candidate.args, "-c", PROBE], {
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 20_000,
    windowsHide: true,
  });
  if (done.error || done.status !== 0) return { found: false };
  const [versionLine, executable] = done.stdout.split(/\r?\n/);
  const version = parseVersion(versionLine);
  if (version === null || !executable) return { found: false };
  return { found: true, version, executable: executable.trim() };
}

/** The first candidate that is Python ≥ 3.10: `{executable, version, label}`; else a LauncherError. */
export function findPython(env, platform = process.platform, run = probe) {
  const tooOld = [];
  const tried = candidates(env, platform);
  for (const candidate of tried) {
    const result = run(candidate, env);
    if (!result.found) continue;
    if (isNewEnough(result.version)) return { ...result, label: candidate.label };
    tooOld.push(`${candidate.label} is Python ${result.version.join(".")}`);
  }
  const what = tooOld.length
    ? `found only an older one (${tooOld.join("; ")})`
    : `found none on PATH (tried: ${tried.map((c) => c.label).join(", ")})`;
  throw new LauncherError(
    `Python ${MINIMUM_TEXT} or newer is needed to run openrouter-mcp, and the launcher ${what}.\n${installHint(platform)}`,
  );
}

/** How to get a Python (or uv, which brings its own) on this OS. */
export function installHint(platform = process.platform) {
  const uv =
    "or install uv (https://docs.astral.sh/uv/getting-started/installation/): with `uvx` on PATH the launcher needs no Python of its own";
  const chosen = `Or set OPENROUTER_MCP_PYTHON to the full path of a Python ${MINIMUM_TEXT}+.`;
  const ways = {
    darwin: `Install one with \`brew install python@3.13\` or from https://www.python.org/downloads/macos/, ${uv}.`,
    win32:
      `Install one with \`winget install Python.Python.3.13\` or from https://www.python.org/downloads/windows/ ` +
      `(tick "Add python.exe to PATH", then open a new terminal), ${uv}.`,
  };
  const linux =
    "Install one with your package manager (Debian/Ubuntu: `sudo apt install python3 python3-venv`; " +
    `Fedora: \`sudo dnf install python3\`; Arch: \`sudo pacman -S python\`), ${uv}.`;
  return `${ways[platform] ?? linux}\n${chosen}`;
}

/** The full path of `name` on PATH (with `.exe` on Windows), or null. Nothing is run. */
export function findOnPath(name, env, platform = process.platform) {
  const delimiter = platform === "win32" ? ";" : ":";
  const suffixes = platform === "win32" ? [".exe", ""] : [""];
  const join = platform === "win32" ? path.win32.join : path.posix.join;
  for (const dir of (envValue(env, "PATH", platform) ?? "").split(delimiter)) {
    if (!dir) continue;
    for (const suffix of suffixes) {
      const file = join(dir, name + suffix);
      try {
        if (!statSync(file).isFile()) continue;
        if (platform !== "win32") accessSync(file, constants.X_OK);
        return file;
      } catch {
        // not here, or not executable: keep looking
      }
    }
  }
  return null;
}
