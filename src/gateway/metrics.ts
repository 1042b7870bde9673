/**
 * The gateway's Prometheus metrics (prom-client), on a registry of its own per gateway (no module-level singleton, so two
 * gateways in one process — tests — do not mix their counts). Names follow the OpenTelemetry GenAI semantic conventions
 * where one exists (gen_ai_client_token_usage, gen_ai_server_request_duration, gen_ai_server_time_to_first_token), with
 * frugal's own for what only a frugal-first gateway has: who answered, escalations, cost and energy by provenance.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Provenance } from "../core/provenance.ts";

const SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const TOKENS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144];

export interface GatewayMetrics {
  readonly registry: Registry;
  request(labels: { operation: string; target: string; status: number }, seconds: number): void;
  tokens(model: string, operation: string, input: number, output: number): void;
  firstToken(model: string, seconds: number): void;
  answer(task: string, tier: string, escalated: boolean, degraded: boolean): void;
  cacheHit(kind: "task" | "route"): void;
  cost(usd: number | null, provenance: Provenance): void;
  energy(joules: number | null, provenance: Provenance): void;
  rejected(reason: RejectReason): void;
  pii(type: string, count: number): void;
  upstreamError(upstream: string, code: string): void;
  breaker(upstream: string, model: string, state: "closed" | "open" | "half_open"): void;
  /** A store call that failed (the cache's become misses, the ledger's go to the spill, the counters' to on_unavailable). */
  storeError(store: StoreName): void;
  /** A budgeted request met unreachable counters: refused (closed) or admitted without a reservation (open). */
  budgetStoreUnavailable(mode: "closed" | "open"): void;
  /** Ledger rows waiting in the local spill file for PostgreSQL to come back. */
  spill(rows: number, bytes: number): void;
  text(): Promise<string>;
}

/** Why a request was refused before any tier ran; `store`: a store it cannot be served without is down. */
export type RejectReason = "budget" | "rate" | "auth" | "forbidden" | "pii" | "store";
export type StoreName = "ledger" | "keys" | "counters" | "cache";

const BREAKER_VALUE = { closed: 0, half_open: 1, open: 2 } as const;

/**
 * prom-client hashes the label object on every observe; on the request path the labelled child is looked up once per
 * label combination and kept (the combinations are few: operations × targets × statuses).
 */
function childCache<C>(make: (values: string[]) => C): (...values: string[]) => C {
  const children = new Map<string, C>();
  return (...values) => {
    const key = values.join("\u0000");
    let child = children.get(key);
    if (child === undefined) children.set(key, (child = make(values)));
    return child;
  };
}

export function createGatewayMetrics(options: { defaultMetrics?: boolean } = {}): GatewayMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: "frugal_process_" });
  const duration = new Histogram({
    name: "gen_ai_server_request_duration",
    help: "Gateway request duration in seconds (OpenTelemetry gen_ai.server.request.duration)",
    labelNames: ["gen_ai_operation_name", "frugal_target", "http_response_status_code"],
    buckets: SECONDS,
    registers: [registry],
  });
  const tokenUsage = new Histogram({
    name: "gen_ai_client_token_usage",
    help: "Tokens per request by type (OpenTelemetry gen_ai.client.token.usage)",
    labelNames: ["gen_ai_request_model", "gen_ai_operation_name", "gen_ai_token_type"],
    buckets: TOKENS,
    registers: [registry],
  });
  const ttft = new Histogram({
    name: "gen_ai_server_time_to_first_token",
    help: "Seconds to the first streamed token (OpenTelemetry gen_ai.server.time_to_first_token)",
    labelNames: ["gen_ai_request_model"],
    buckets: SECONDS,
    registers: [registry],
  });
  const answers = new Counter({ name: "frugal_answers_total", help: "Task answers by task and the tier that answered", labelNames: ["task", "tier"], registers: [registry] });
  const escalations = new Counter({ name: "frugal_escalations_total", help: "Task requests escalated past a low-confidence answer", labelNames: ["task"], registers: [registry] });
  const degraded = new Counter({ name: "frugal_degraded_total", help: "Task answers kept although unchecked (no or failed LLM tier)", labelNames: ["task"], registers: [registry] });
  const cacheHits = new Counter({ name: "frugal_cache_hits_total", help: "Exact-cache hits", labelNames: ["kind"], registers: [registry] });
  const costUsd = new Counter({ name: "frugal_cost_usd_total", help: "Cost in USD by provenance (measured/modeled)", labelNames: ["provenance"], registers: [registry] });
  const energyJ = new Counter({ name: "frugal_energy_joules_total", help: "Energy in joules by provenance", labelNames: ["provenance"], registers: [registry] });
  const rejections = new Counter({ name: "frugal_rejections_total", help: "Requests refused before any tier ran, by reason", labelNames: ["reason"], registers: [registry] });
  const budget = new Counter({ name: "frugal_budget_rejections_total", help: "Requests refused because the key's budget could not cover their maximum cost", registers: [registry] });
  const piiFound = new Counter({ name: "frugal_pii_detected_total", help: "Personal data found in requests, by type (values are never kept)", labelNames: ["type"], registers: [registry] });
  const upstreamErrors = new Counter({ name: "frugal_upstream_errors_total", help: "Upstream errors by upstream and error code", labelNames: ["upstream", "code"], registers: [registry] });
  const breakerState = new Gauge({ name: "frugal_breaker_state", help: "Circuit breaker per upstream target: 0 closed, 1 half-open, 2 open", labelNames: ["upstream", "model"], registers: [registry] });
  const storeErrors = new Counter({ name: "frugal_store_errors_total", help: "Failed store calls by store (ledger, keys, counters, cache)", labelNames: ["store"], registers: [registry] });
  const budgetStore = new Counter({ name: "frugal_budget_store_unavailable_total", help: "Budgeted requests that met unreachable counters, by counters.on_unavailable (closed: refused, open: admitted unreserved)", labelNames: ["mode"], registers: [registry] });
  const spillRows = new Gauge({ name: "frugal_ledger_spill_rows", help: "Ledger rows in the local spill file, waiting for PostgreSQL", registers: [registry] });
  const spillBytes = new Gauge({ name: "frugal_ledger_spill_bytes", help: "Bytes of the local ledger spill file", registers: [registry] });

  const durationOf = childCache((v) => duration.labels(...v));
  const tokensOf = childCache((v) => tokenUsage.labels(...v));
  const costOf = childCache((v) => costUsd.labels(...v));
  const energyOf = childCache((v) => energyJ.labels(...v));

  return {
    registry,
    request(labels, seconds) {
      durationOf(labels.operation, labels.target, String(labels.status)).observe(seconds);
    },
    tokens(model, operation, input, output) {
      tokensOf(model, operation, "input").observe(input);
      tokensOf(model, operation, "output").observe(output);
    },
    firstToken(model, seconds) {
      ttft.observe({ gen_ai_request_model: model }, seconds);
    },
    answer(task, tier, escalated, isDegraded) {
      answers.inc({ task, tier });
      if (escalated) escalations.inc({ task });
      if (isDegraded) degraded.inc({ task });
    },
    cacheHit(kind) {
      cacheHits.inc({ kind });
    },
    cost(usd, provenance) {
      if (usd !== null && usd > 0) costOf(provenance).inc(usd);
    },
    energy(joules, provenance) {
      if (joules !== null && joules > 0) energyOf(provenance).inc(joules);
    },
    rejected(reason) {
      rejections.inc({ reason });
      if (reason === "budget") budget.inc();
    },
    pii(type, count) {
      piiFound.inc({ type }, count);
    },
    upstreamError(upstream, code) {
      upstreamErrors.inc({ upstream, code });
    },
    breaker(upstream, model, state) {
      breakerState.set({ upstream, model }, BREAKER_VALUE[state]);
    },
    storeError(store) {
      storeErrors.inc({ store });
    },
    budgetStoreUnavailable(mode) {
      budgetStore.inc({ mode });
    },
    spill(rows, bytes) {
      spillRows.set(rows);
      spillBytes.set(bytes);
    },
    text: () => registry.metrics(),
  };
}
