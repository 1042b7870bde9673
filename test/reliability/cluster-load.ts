/**
 * The client side of the cluster reliability tests: one request as a client sees it (status, OpenAI error code, the
 * x-frugal-request-id it got back, whether the answer arrived whole), and an open-loop load spread round-robin over the
 * replicas still alive, as a load balancer would (the PoC's generator: each request is sent at its scheduled time whatever
 * happened to the others). Every request carries its own `x-request-id`, so the ledger can be searched for each one.
 */
import { runOpenLoop } from "../../src/poc/load-generator.ts";
import { buildSchedule } from "../../src/poc/schedule.ts";
import type { ClusterReplica } from "../../src/testing/cluster.ts";

/** The price override of the stand-in upstream's model: round numbers, so a request's maximum cost is easy to state. */
export const MODEL = "cluster-llm";
export const USD_PER_INPUT_TOKEN = 1e-6;
export const USD_PER_OUTPUT_TOKEN = 2e-6;

/** No request may take this long (a bound against a hang, not a timing): it is then counted as hung. */
const HANG_MS = 20_000;

export interface Answer {
  requestId: string;
  replica: number;
  /** null: no HTTP answer (connection refused or reset, or hung). */
  status: number | null;
  code?: string;
  /** x-frugal-request-id of the answer. */
  echoedId?: string;
  /** A 2xx with choices, read to its end. */
  complete: boolean;
  cacheHit: boolean;
  hung: boolean;
  /** From the send to the answer's end, ms (printed, never asserted). */
  ms: number;
  error?: string;
}

export function chatBody(content: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: "chat", messages: [{ role: "user", content }], max_tokens: 8, ...extra };
}

/** What the gateway reserves for `body` (route-call.ts: prompt = the messages' JSON bytes, output = max_tokens). */
export function maxCostUsd(body: Record<string, unknown>): number {
  return Buffer.byteLength(JSON.stringify(body.messages)) * USD_PER_INPUT_TOKEN + Number(body.max_tokens) * USD_PER_OUTPUT_TOKEN;
}

export async function ask(replica: ClusterReplica, key: string, body: Record<string, unknown>, requestId: string): Promise<Answer> {
  const base = { requestId, replica: replica.index };
  const t0 = performance.now();
  try {
    const res = await fetch(`${replica.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}`, "x-request-id": requestId },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(HANG_MS),
    });
    const json = (await res.json()) as { choices?: unknown[]; error?: { code?: string } };
    const echoedId = res.headers.get("x-frugal-request-id") ?? undefined;
    return {
      ...base,
      status: res.status,
      ...(json.error?.code === undefined ? {} : { code: json.error.code }),
      ...(echoedId === undefined ? {} : { echoedId }),
      complete: res.ok && Array.isArray(json.choices) && json.choices.length > 0,
      cacheHit: res.headers.get("x-frugal-cache") === "hit",
      hung: false,
      ms: performance.now() - t0,
    };
  } catch (error) {
    const hung = error instanceof Error && error.name === "TimeoutError";
    return { ...base, status: null, complete: false, cacheHit: false, hung, ms: performance.now() - t0, error: error instanceof Error ? error.message : String(error) };
  }
}

export interface LoadOptions {
  rate: number;
  seconds: number;
  replicas: readonly ClusterReplica[];
  key: string;
  /** Request ids are `${tag}-${i}` (i on 5 digits: the gateway keeps a client's id only from 8 characters on). */
  tag: string;
  body?: (i: number) => Record<string, unknown>;
}

/** Open loop at `rate` for `seconds`, request i to the next live replica; resolves with every answer once all are in. */
export async function openLoad(options: LoadOptions): Promise<Answer[]> {
  const schedule = buildSchedule({ kind: "constant", rate: options.rate, count: Math.round(options.rate * options.seconds), seed: 1 });
  const answers: Answer[] = [];
  let turn = 0;
  await runOpenLoop({
    schedule,
    drainMs: HANG_MS + 5_000,
    send: async (i) => {
      const live = options.replicas.filter((r) => r.alive());
      const replica = live[turn++ % live.length];
      if (replica === undefined) throw new Error("no replica alive");
      answers.push(await ask(replica, options.key, options.body?.(i) ?? chatBody(`${options.tag} request ${i}`), `${options.tag}-${String(i).padStart(5, "0")}`));
    },
  });
  return answers;
}

/** Counts of answers by `status code`, e.g. {"200": 180, "503 budget_store_unavailable": 20, "none": 3}. */
export function tally(answers: readonly Answer[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of answers) {
    const label = a.status === null ? (a.hung ? "hung" : "none") : a.code === undefined ? String(a.status) : `${a.status} ${a.code}`;
    out[label] = (out[label] ?? 0) + 1;
  }
  return out;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
