// The launcher's private virtual environment: created on first use in the user cache directory,
// updated in place when the launcher's version (or the pip spec) changes, reused as is otherwise.
//
// A marker file written last records what was installed, so a half-finished install (killed,
// no network) is never taken for a finished one, and the fast path runs no process at all.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { envValue, findPython, LauncherError } from "./python.js";

export const DISTRIBUTION = "mcp-server-openrouter";
const MARKER = "openrouter-mcp-launcher.json";
const LOCK_STALE_MS = 15 * 60_000; // longer than any install; a lock older than this was abandoned
const LOCK_POLL_MS = 250;

/** The user cache directory of openrouter-mcp, where the server keeps its own caches too
 * (the same place as Python's platformdirs.user_cache_dir("openrouter-mcp", appauthor=False)). */
export function cacheRoot(env, platform = process.platform, home = os.homedir()) {
  const paths = platform === "win32" ? path.win32 : path.posix;
  if (platform === "win32") {
    const local = envValue(env, "LOCALAPPDATA", platform) || paths.join(home, "AppData", "Local");
    return paths.join(local, "openrouter-mcp", "Cache");
  }
  if (platform === "darwin") return paths.join(home, "Library", "Caches", "openrouter-mcp");
  const xdg = env.XDG_CACHE_HOME;
  return paths.join(xdg && paths.isAbsolute(xdg) ? xdg : paths.join(home, ".cache"), "openrouter-mcp");
}

export function venvDir(env, platform = process.platform, home = os.homedir()) {
  const paths = platform === "win32" ? path.win32 : path.posix;
  return paths.join(cacheRoot(env, platform, home), "launcher", "venv");
}

export function venvPython(dir, platform = process.platform) {
  return platform === "win32" ? path.win32.join(dir, "Scripts", "python.exe") : path.posix.join(dir, "bin", "python");
}

/** What the launcher installs: the same version as itself, unless OPENROUTER_MCP_PIP_SPEC says otherwise. */
export function pipSpec(env, version) {
  return envValue(env, "OPENROUTER_MCP_PIP_SPEC") || `${DISTRIBUTION}==${version}`;
}

function readMarker(dir) {
  try {
    return JSON.parse(readFileSync(path.join(dir, MARKER), "utf8"));
  } catch {
    return null;
  }
}

function isReady(dir, wanted) {
  const marker = readMarker(dir);
  return (
    marker !== null &&
    marker.spec === wanted.spec &&
    marker.launcher === wanted.launcher &&
    existsSync(venvPython(dir, wanted.platform))
  );
}

/**
 * The Python of a venv holding the wanted server, building or updating it first if needed.
 * `say` writes one line of progress (to stderr: stdout belongs to the MCP client).
 */
export function ensureVenv({ env, version, say, platform = process.platform, home = os.homedir() }) {
  const dir = venvDir(env, platform, home);
  const wanted = { spec: pipSpec(env, version), launcher: version, platform };
  if (isReady(dir, wanted)) return venvPython(dir, platform);
  // 0700 like the server's own private directories, so it does not warn about (and tighten) a looser one.
  mkdirSync(path.dirname(dir), { recursive: true, mode: 0o700 });
  const release = lock(`${dir}.lock`, say);
  try {
    if (isReady(dir, wanted)) return venvPython(dir, platform); // another launcher built it meanwhile
    install(dir, wanted, env, version, say);
    return venvPython(dir, platform);
  } finally {
    release();
  }
}

function install(dir, wanted, env, version, say) {
  const python = venvPython(dir, wanted.platform);
  const previous = readMarker(dir);
  if (!works(python, env)) {
    const base = findPython(env, wanted.platform);
    say(`first run: creating a private Python environment in ${dir} (Python ${base.version.join(".")})`);
    rmSync(dir, { recursive: true, force: true });
    const created = run(base.executable, ["-m", "venv", dir], env);
    if (created !== 0 || !works(python, env)) {
      rmSync(dir, { recursive: true, force: true });
      throw new LauncherError(
        `could not create a virtual environment with ${base.executable} (exit ${created}). ` +
          "On Debian and Ubuntu, install the venv module: `sudo apt install python3-venv`.",
      );
    }
  } else {
    const from = previous ? `${previous.spec} (launcher ${previous.launcher})` : "an unfinished install";
    say(`updating the private Python environment in ${dir} from ${from}`);
  }
  rmSync(path.join(dir, MARKER), { force: true }); // not ready until the install below has finished
  say(`installing ${wanted.spec} (once per version; this takes a minute)…`);
  const pip = [
    "-m",
    "pip",
    "install",
    "--disable-pip-version-check",
    "--no-input",
    "--quiet",
    "--upgrade",
    wanted.spec,
  ];
  const installed = run(python, pip, env);
  if (installed !== 0) {
    throw new LauncherError(
      `pip could not install ${wanted.spec} (exit ${installed}); its messages are above. ` +
        "Check the network or proxy settings (pip reads PIP_INDEX_URL and HTTPS_PROXY), then run the command again.",
    );
  }
  const got = installedVersion(python, env);
  if (got !== version) {
    const message = `${wanted.spec} installed ${DISTRIBUTION} ${got ?? "(no version)"}, not ${version} like this launcher`;
    if (!envValue(env, "OPENROUTER_MCP_PIP_SPEC")) throw new LauncherError(message);
    say(`note: ${message} (OPENROUTER_MCP_PIP_SPEC is set, so it is used as it is)`);
  }
  writeAtomically(path.join(dir, MARKER), JSON.stringify({ spec: wanted.spec, launcher: version, installed: got }));
  say("ready");
}

/** Runs a setup step with its output on our stderr (pip prints progress on stdout). */
function run(command, args, env) {
  const done = spawnSync(command, args, { env, stdio: ["ignore", 2, 2], windowsHide: true });
  if (done.error) return done.error.code ?? String(done.error);
  return done.status ?? `signal ${done.signal}`;
}

function works(python, env) {
  if (!existsSync(python)) return false;
  const done = spawnSync(python, ["-c", "import pip"], { env, stdio: "ignore", windowsHide: true, timeout: 60_000 });
  return done.status === 0;
}

function installedVersion(python, env) {
  const code = `from importlib.metadata import version; print(version("${DISTRIBUTION}"))`;
  const done = spawnSync(python, ["-c", code], { env, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  return done.status === 0 ? done.stdout.trim() : null;
}

function writeAtomically(file, text) {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  renameSync(temporary, file);
}

/** One launcher at a time builds the venv (clients often start several servers at once). */
function lock(dir, say) {
  let waited = false;
  for (;;) {
    try {
      mkdirSync(dir, { mode: 0o700 });
      return () => rmSync(dir, { recursive: true, force: true });
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
    }
    if (isStale(dir)) {
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (!waited) say("another openrouter-mcp launcher is setting up the Python environment; waiting for it");
    waited = true;
    sleep(LOCK_POLL_MS);
  }
}

function isStale(dir) {
  try {
    return Date.now() - statSync(dir).mtimeMs > LOCK_STALE_MS;
  } catch {
    return false; // gone already: the next mkdir takes it
  }
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
