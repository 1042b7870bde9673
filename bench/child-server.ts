/**
 * What the HTTP benches share: the endpoint under test runs in a child process (its own event loop, its own core when
 * one is free, so its work never queues behind the client being measured), started by re-running the bench script itself
 * with `--serve`; and numeric `--name value` flags with a default.
 */
import { spawn } from "node:child_process";
import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

/** In the child: serves `handler` on a free local port (keep-alive) and prints the port on stdout for the parent. */
export function serveOnFreePort(handler: RequestListener): void {
  const server = createServer(handler);
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
}

/** In the parent: runs the bench script at `scriptUrl` (its import.meta.url) with `--serve` and waits for its port. */
export async function startChildServer(scriptUrl: string): Promise<{ port: number; stop: () => void }> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(scriptUrl), "--serve"], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`bench server exited with ${code}`)));
    child.stdout.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  return { port, stop: () => child.kill() };
}

/** A positive number given as `--name value`, else `fallback`. */
export function numberFlag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at === -1 ? undefined : Number(process.argv[at + 1]);
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

/** The fixed chat completion (with usage) the benches' stand-in upstreams answer. */
export function benchCompletion(model: string, created: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id: "chatcmpl-bench",
    object: "chat.completion",
    created,
    model,
    choices: [{ index: 0, message: { role: "assistant", content: "card_arrival" }, logprobs: null, finish_reason: "stop" }],
    usage: { prompt_tokens: 42, completion_tokens: 3, total_tokens: 45 },
    ...extra,
  });
}
