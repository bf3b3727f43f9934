// Running the server as a child that owns the terminal's stdin, stdout and stderr outright:
// the launcher never reads or writes them (stdout is the MCP client's JSON-RPC channel), it only
// forwards the signals it gets and ends with the child's exit status.

import { spawn } from "node:child_process";
import { constants } from "node:os";
import { isatty } from "node:tty";

import { LauncherError } from "./python.js";

const FORWARDED = process.platform === "win32" ? ["SIGINT", "SIGTERM", "SIGBREAK"] : ["SIGINT", "SIGTERM", "SIGHUP"];

/** Starts `command args` with inherited stdio; resolves with `{code, signal}` when it exits. */
export function runChild(command, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: "inherit", windowsHide: false });
    const handlers = new Map();
    for (const name of FORWARDED) {
      const handler = () => forward(child, name);
      handlers.set(name, handler);
      process.on(name, handler);
    }
    const stopForwarding = () => handlers.forEach((handler, name) => process.removeListener(name, handler));
    child.once("error", (error) => {
      stopForwarding();
      reject(new LauncherError(`could not start ${command}: ${error.message}`));
    });
    child.once("exit", (code, signal) => {
      stopForwarding();
      resolve({ code, signal });
    });
  });
}

function forward(child, name) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  // Ctrl-C in a terminal already reaches the whole process group, the child included: sending it
  // a second SIGINT would cut its clean shutdown short (a second signal ends it at once).
  if (name === "SIGINT" && isatty(0)) return;
  try {
    child.kill(name);
  } catch {
    // it exited between the check and the kill
  }
}

/** Ends the launcher the way the child ended: same exit code, or the same signal. */
export function exitLike({ code, signal }) {
  if (signal) {
    process.kill(process.pid, signal); // our handlers are gone: the default action ends us alike
    process.exit(128 + (constants.signals[signal] ?? 0)); // where a signal cannot end us (Windows)
  }
  process.exit(code ?? 1);
}
