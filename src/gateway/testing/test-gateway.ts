/**
 * A whole gateway for tests, on real sockets: two fake OpenAI-compatible upstreams (test/fixtures), a temp data dir with
 * real SQLite state, and table-driven compact models so tests check the gateway, not the trainer. The config exercises
 * every path: a classify task `intents` (cache → compact → llm), an extract task `receipts` (per-field escalation), a
 * route `gpt-4o` with a fallback from upstream `a` to upstream `b`, a `pii-route` under `redact`, a `secret-route` under
 * `block`, a `local-route` under `local_only` with one on-prem target.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastUserText, startFakeOpenAiServer, type FakeOpenAiServer, type FakeOpenAiServerOptions } from "../../../test/fixtures/fake-openai-server.ts";
import { validateConfig } from "../../core/config-file.ts";
import type { CreateKeyInput } from "../../ledger/index.ts";
import type { CompactLoader } from "../../pipeline/compact-loader.ts";
import { tableClassifier, tableExtractor } from "../../tiers/testing.ts";
import { gatewayConfigSchema, type GatewayConfigInput } from "../config.ts";
import { startGateway, type RunningGateway } from "../server.ts";
import { openGatewayStores } from "../stores.ts";

export const TEST_LABELS = ["card_arrival", "pin_blocked", "exchange_rate"];

/** Texts the compact classifier is sure of (kept), and one it is unsure of (escalated to the LLM). */
export const SURE_TEXT = "where is my new card";
export const UNSURE_TEXT = "something odd happened with my account";

const table = {
  [SURE_TEXT]: { label: "card_arrival", confidence: 0.97 },
  "my pin is blocked": { label: "pin_blocked", confidence: 0.95 },
  [UNSURE_TEXT]: { label: "exchange_rate", confidence: 0.3 },
};

export const RECEIPT_TEXT = "ACME SHOP\n12/03/2019\nTOTAL 10.00";
const receipts = {
  [RECEIPT_TEXT]: {
    company: { value: "ACME SHOP", confidence: 0.4, lines: ["ACME SHOP"] },
    date: { value: "12/03/2019", confidence: 0.99, lines: ["12/03/2019"] },
    total: { value: "10.00", confidence: 0.99, lines: ["TOTAL 10.00"] },
  },
};

export const testCompactLoader: CompactLoader = {
  load: ({ file, kind }) =>
    kind === "classify"
      ? { model: tableClassifier(TEST_LABELS, table, 0.8), id: `table#${file}`, file, trained: false, info: {} }
      : { model: tableExtractor(["company", "date", "total"], receipts, { company: 0.9, date: 0.9, total: 0.9 }), id: `table#${file}`, file, trained: false, info: {} },
  trainOrReuse: async () => {
    throw new Error("test gateways load table models only");
  },
};

export interface TestGatewayOptions {
  /** Changes to the default config (shallow-merged at the top level). */
  config?: Partial<GatewayConfigInput>;
  upstreamA?: FakeOpenAiServerOptions;
  upstreamB?: FakeOpenAiServerOptions;
  /** Upstream for the task's LLM tier; default: upstream a. false: no LLM tier endpoint (degraded answers). */
  taskLlm?: boolean;
  env?: Record<string, string | undefined>;
}

export interface TestGateway {
  url: string;
  /** The OpenAI base URL (`${url}/v1`). */
  baseURL: string;
  gateway: RunningGateway;
  a: FakeOpenAiServer;
  b: FakeOpenAiServer;
  dataDir: string;
  /** Creates a key in the gateway's own store (as `frugal keys create` would) and returns the secret. */
  createKey(input?: Partial<CreateKeyInput>): Promise<string>;
  close(): Promise<void>;
}

export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const answer = (req: Parameters<typeof lastUserText>[0]) => {
    const text = lastUserText(req);
    if (text.includes("Receipt") || text.includes("receipt") || text.includes("company")) return JSON.stringify({ company: "ACME SHOP SDN BHD", date: "12/03/2019", total: "10.00" });
    return text.includes(UNSURE_TEXT) ? "pin_blocked" : `echo: ${text.slice(-200)}`;
  };
  const a = await startFakeOpenAiServer({ answer, ...options.upstreamA });
  const b = await startFakeOpenAiServer({ answer, ...options.upstreamB });
  const dataDir = mkdtempSync(join(tmpdir(), "frugal-gw-"));
  const taskEndpoint = options.taskLlm === false ? {} : { endpoint: { base_url: a.url, model: "gpt-4o-mini" } };
  const base: GatewayConfigInput = {
    server: { port: 0, drain_ms: 2000, sse_keepalive_ms: 200 },
    tiers: {
      cache: { kind: "cache" },
      compact: { kind: "compact", model: "intents.frugal" },
      extractor: { kind: "compact", model: "receipts.frugal" },
      llm: { kind: "llm", model: "gpt-4o-mini", max_retries: 0, timeout_ms: 5000, max_tokens: 32, ...taskEndpoint },
      "llm-extract": { kind: "llm", model: "gpt-4o-mini", max_retries: 0, timeout_ms: 5000, max_tokens: 200, ...taskEndpoint },
    },
    tasks: [
      { name: "intents", kind: "classify", labels: TEST_LABELS, tiers: ["cache", "compact", "llm"] },
      { name: "receipts", kind: "extract", fields: ["company", "date", "total"], tiers: ["extractor", "llm-extract"], escalation: { on_exhausted: "best_effort" } },
    ],
    upstreams: {
      a: { base_url: a.url, region: "us-east" },
      b: { base_url: b.url, region: "eu-west-3", on_prem: true },
    },
    routes: [
      { name: "gpt-4o", targets: [{ upstream: "a", model: "gpt-4o" }, { upstream: "b", model: "gpt-4o-mini" }], retries: 0 },
      { name: "pii-route", targets: [{ upstream: "a", model: "gpt-4o-mini" }], retries: 0 },
      { name: "secret-route", targets: [{ upstream: "a", model: "gpt-4o-mini" }], retries: 0 },
      { name: "local-route", targets: [{ upstream: "a", model: "gpt-4o-mini" }, { upstream: "b", model: "gpt-4o-mini" }], retries: 0 },
      { name: "text-embedding-3-small", targets: [{ upstream: "a", model: "text-embedding-3-small" }], retries: 0 },
    ],
    route_policies: {
      "pii-route": { pii: { policy: "redact" }, store_bodies: true },
      "secret-route": { pii: { policy: "block" } },
      "local-route": { pii: { policy: "local_only" } },
    },
    prices: { overrides: [{ model: "text-embedding-3-small", input_usd_per_1m: 0.02, output_usd_per_1m: 0, source: "test", date: "2025-01" }] },
  };
  const config = validateConfig(gatewayConfigSchema, { ...base, ...options.config }, "test gateway config");
  const env = options.env ?? {};
  const gateway = await startGateway({ config, baseDir: dataDir, dataDir, compactLoader: testCompactLoader, env });
  return {
    url: gateway.url,
    baseURL: `${gateway.url}/v1`,
    gateway,
    a,
    b,
    dataDir,
    async createKey(input = {}) {
      // A second connection to the same store (the SQLite file, or PostgreSQL), as the CLI would make while the server runs.
      const stores = await openGatewayStores(config, { dataDir, env, log: gateway.context.log, purpose: "cli" });
      try {
        return (await stores.keys.create({ team: "acme", ...input })).key;
      } finally {
        await stores.close();
      }
    },
    async close() {
      await gateway.close();
      await a.close();
      await b.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
