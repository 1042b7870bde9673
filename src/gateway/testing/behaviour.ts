/**
 * Small helpers shared by the gateway's behaviour tests (governance, PII, cache, ledger, process level): a raw HTTP client
 * (fetch, so a test sees every header and status as sent), an SSE reader, the ledger read back through a second SQLite
 * connection as an operator would, and the CLI run as a separate process (never spawnSync: the gateway under test lives
 * in this process and must keep answering while the CLI runs).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openSqliteGovernance, type LedgerRow } from "../../ledger/index.ts";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node bin/frugal.js ...args` as a child process, without blocking this process's event loop. */
export function frugalCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, "bin/frugal.js"), ...args], { env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * The files under `dir` whose bytes contain `needle` (as UTF-8 or UTF-16LE). Read by a child process: closing any file
 * descriptor of a SQLite file in this process would drop the POSIX locks the gateway's connection holds on it, and the
 * next connection from another process could then checkpoint the WAL from under it (a "malformed" database).
 */
export async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const script = `const fs=require("node:fs"),p=require("node:path");const [d,n]=process.argv.slice(1);const out=[];
for(const f of fs.readdirSync(d)){const b=fs.readFileSync(p.join(d,f));if(b.indexOf(n)>=0||b.indexOf(Buffer.from(n,"utf16le"))>=0)out.push(f)}
process.stdout.write(JSON.stringify(out))`;
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", script, dir, needle], { stdio: ["ignore", "pipe", "inherit"] });
    let text = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (text += d));
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve(text) : reject(new Error(`file scan exited ${code}`))));
  });
  return JSON.parse(output) as string[];
}

/** Every ledger row, in chain order, read through a second connection to the gateway's db (WAL: the server keeps running). */
export async function ledgerRows(dataDir: string): Promise<LedgerRow[]> {
  const governance = openSqliteGovernance({ dataDir, create: false });
  try {
    let text = "";
    await governance.ledger.exportRows({ format: "jsonl" }, (chunk) => {
      text += chunk;
    });
    return text
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as LedgerRow);
  } finally {
    await governance.close();
  }
}

/** The ledger row of one request id (the tests send their own `x-request-id`). */
export async function rowOf(dataDir: string, requestId: string): Promise<LedgerRow | undefined> {
  return (await ledgerRows(dataDir)).find((r) => r.requestId === requestId);
}

let sequence = 0;
/** A request id the gateway accepts as the client's own (so a test can find the row of a failed request too). */
export function newRequestId(prefix = "req"): string {
  return `${prefix}-${process.pid}-${Date.now()}-${++sequence}`;
}

export interface PostOptions {
  key?: string;
  requestId?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** POST a JSON body to `${baseUrl}${path}` with the key as a bearer token. */
export function postJson(baseUrl: string, path: string, body: unknown, options: PostOptions = {}): Promise<Response> {
  return fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(options.key !== undefined ? { authorization: `Bearer ${options.key}` } : {}),
      ...(options.requestId !== undefined ? { "x-request-id": options.requestId } : {}),
      ...options.headers,
    },
    body: JSON.stringify(body),
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
  });
}

export const userMessage = (content: string): Array<{ role: string; content: string }> => [{ role: "user", content }];

export interface OpenAiErrorShape {
  error: { message: string; type: string; code: string; param: string | null };
}

export interface SseRead {
  /** The parsed `data:` payloads but [DONE]. */
  chunks: Array<Record<string, unknown>>;
  /** The concatenated `choices[0].delta.content`. */
  content: string;
  done: boolean;
  raw: string;
}

/** Reads a whole SSE response as OpenAI chunks. */
export async function readSse(response: Response): Promise<SseRead> {
  const raw = await response.text();
  const chunks: Array<Record<string, unknown>> = [];
  let done = false;
  for (const line of raw.split("\n")) {
    if (!line.startsWith("data:")) continue;
    const data = line.slice(5).trim();
    if (data === "[DONE]") done = true;
    else chunks.push(JSON.parse(data) as Record<string, unknown>);
  }
  const content = chunks
    .map((c) => {
      const choices = c.choices as Array<{ delta?: { content?: unknown } }> | undefined;
      const text = choices?.[0]?.delta?.content;
      return typeof text === "string" ? text : "";
    })
    .join("");
  return { chunks, content, done, raw };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs` (a functional bound, not a timing). */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
