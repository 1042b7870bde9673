/**
 * `frugal serve` as an operator runs it, for process-level tests: a child process on the real CLI, resolved once it
 * prints `listening on`, with its exit and stderr kept for the assertions. The environment drops FRUGAL_LLM_* so the
 * developer's own endpoint never leaks into a test.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { openSqliteGovernance } from "../../ledger/index.ts";
import { ROOT } from "./behaviour.ts";

export const CHILD_ENV: Record<string, string> = Object.fromEntries(
  Object.entries({ ...process.env, NO_COLOR: "1", FRUGAL_LOG_LEVEL: "warn" }).filter((e): e is [string, string] => e[1] !== undefined && !e[0].startsWith("FRUGAL_LLM_")),
);

export interface ServedChild {
  child: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** Spawns `frugal serve ...args` and resolves once it prints `listening on`. */
export function serveChild(args: string[], env: Record<string, string> = CHILD_ENV): Promise<ServedChild> {
  const child = spawn(process.execPath, [join(ROOT, "bin/frugal.js"), "serve", ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match !== null) resolve({ child, url: match[1]!, exited, stderr: () => stderr });
    });
    void exited.then(({ code }) => reject(new Error(`frugal serve exited ${code} before listening: ${stderr}`)));
  });
}

/** A key in the data dir a served child will use, created as `frugal keys create` would (before or while it runs). */
export function newKey(dataDir: string, team = "ops"): Promise<string> {
  const governance = openSqliteGovernance({ dataDir });
  return governance.keys
    .create({ team })
    .then((created) => created.key)
    .finally(() => governance.close());
}
