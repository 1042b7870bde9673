/**
 * Everything a request handler reaches, built once by the server (src/gateway/server.ts) and passed down explicitly: no
 * module-level state, so two gateways can live in one process (tests) and nothing is hidden from the reader.
 */
import type { PiiGuard } from "../guard/index.ts";
import type { Counters } from "../ledger/index.ts";
import type { Relay } from "../relay/index.ts";
import type { GatewayConfig } from "./config.ts";
import type { CachedEntry, ExactCache } from "./exact-cache.ts";
import type { SemanticCache } from "../cache/semantic/semantic-cache.ts";
import type { Governance } from "./governance.ts";
import type { GatewayMetrics } from "./metrics.ts";
import type { Pricing } from "./pricing.ts";
import type { Auditor } from "./audit/index.ts";
import type { GatewayStores } from "./stores.ts";
import type { ModelVersions } from "./model-versions.ts";
import type { TaskService } from "./task-service.ts";

export interface GatewayLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface GatewayContext {
  config: GatewayConfig;
  tasks: TaskService;
  relay: Relay;
  governance: Governance;
  counters: Counters;
  guard: PiiGuard;
  cache: ExactCache;
  /** The semantic cache routes opt into (absent without `cache.semantic`). */
  semanticCache?: SemanticCache<CachedEntry> | undefined;
  /** The stores behind governance and the cache: their kinds, health (/readyz) and spill (/metrics). */
  stores: Pick<GatewayStores, "kinds" | "health" | "spill">;
  pricing: Pricing;
  /** Audits of kept compact answers and the drift guard (src/gateway/audit). */
  audits: Auditor;
  /** Model versions from the registry: the one served per task, the candidate in shadow, promote and rollback. */
  models: ModelVersions;
  metrics: GatewayMetrics;
  log: GatewayLog;
  /** Admin routes answer only to this key (FRUGAL_ADMIN_KEY); undefined: admin routes are off. */
  adminKey: string | undefined;
  /** Requests in flight, for drain on shutdown and /readyz. */
  inFlight: { count: number; draining: boolean };
}
