/**
 * `startGateway`: everything `frugal serve` runs, built once and torn down in order. State lives under the data dir
 * (keys, budgets, ledger in SQLite) or in the PostgreSQL and Redis frugal.yaml names (src/gateway/stores.ts); models
 * are trained or loaded before the port opens, so the first request is as fast as the next. Shutdown drains: /readyz
 * turns 503, new connections are refused, in-flight requests get `drain_ms` to finish (relayed calls still open then are
 * cut and answered with an error), then pending spend is flushed and stores are closed.
 */
import { STATUS_CODES, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { serve } from "@hono/node-server";
import { createPiiGuard } from "../guard/index.ts";
import { createMeter } from "../meter/index.ts";
import type { CompactLoader } from "../pipeline/compact-loader.ts";
import { createRelay } from "../relay/index.ts";
import { createGatewayApp } from "./app.ts";
import type { GatewayConfig } from "./config.ts";
import type { GatewayContext, GatewayLog } from "./context.ts";
import { createExactCache, type CachedEntry } from "./exact-cache.ts";
import { createSemanticCache } from "../cache/semantic/semantic-cache.ts";
import { loadSemanticCacheModel } from "../cache/semantic/model-file.ts";
import { createGovernance } from "./governance.ts";
import { createGatewayMetrics } from "./metrics.ts";
import { createPricing } from "./pricing.ts";
import { openGatewayStores, throttled } from "./stores.ts";
import { createTaskService } from "./task-service.ts";
import { createModelVersions, type ModelVersions } from "./model-versions.ts";
import { openRegistry } from "../improve/registry.ts";
import { createAuditor } from "./audit/index.ts";

/**
 * Requests Node's HTTP parser rejects before any handler runs (a lying Content-Length, a bad chunk size, oversized
 * headers) still get an OpenAI error object, not Node's bare status line.
 */
function answerMalformedHttp(server: Server): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    if (error.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = error.code === "HPE_HEADER_OVERFLOW" ? 431 : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
    const body = JSON.stringify({ error: { message: `malformed HTTP request (${error.code ?? "parse error"})`, type: "invalid_request_error", param: null, code: "input_invalid" } });
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Bad Request"}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
}

export interface StartGatewayOptions {
  config: GatewayConfig;
  /** Relative paths of the config resolve here. */
  baseDir: string;
  dataDir: string;
  host?: string;
  port?: number;
  env?: Record<string, string | undefined>;
  compactLoader?: CompactLoader;
  log?: GatewayLog;
  onTrainProgress?: (task: string, tier: string, done: number, total: number) => void;
}

export interface RunningGateway {
  url: string;
  port: number;
  context: GatewayContext;
  /** Client TCP connections open now (keep-alive idle ones included): reliability tests check none is left hanging. */
  openConnections(): Promise<number>;
  /** Drains in-flight requests (at most `drain_ms`), then closes every store. Safe to call twice. */
  close(): Promise<void>;
}

const silentLog: GatewayLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function defaultLoader(): Promise<CompactLoader> {
  const { createCompactLoader } = await import("../pipeline/compact-loader-impl.ts");
  return createCompactLoader();
}

export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  const { config } = options;
  const env = options.env ?? process.env;
  const log = options.log ?? silentLog;
  const meter = createMeter({ ...(config.prices !== undefined ? { prices: config.prices } : {}), ...(config.energy !== undefined ? { energy: config.energy } : {}), baseDir: options.baseDir });
  for (const warning of meter.warnings) log.warn(warning);
  const metrics = createGatewayMetrics();
  const relay = createRelay({
    upstreams: config.upstreams,
    routes: config.routes,
    env,
    source: "frugal.yaml",
    ...(config.passthrough !== undefined ? { passthrough: config.passthrough } : {}),
    onEvent: (event) => {
      if (event.type === "upstream_error") metrics.upstreamError(event.upstream, event.code);
      else if (event.type === "breaker") {
        metrics.breaker(event.upstream, event.model, event.state);
        log.warn("circuit breaker", { upstream: event.upstream, model: event.model, state: event.state });
      }
    },
  });
  const stores = await openGatewayStores(config, { dataDir: options.dataDir, env, log, purpose: "serve", onStoreError: (store) => metrics.storeError(store) }).catch(async (error: unknown) => {
    await relay.close();
    throw error;
  });
  const pricing = createPricing(meter);
  // Before the tasks: their compact tiers read the drift guard's thresholds (src/gateway/audit).
  const audits = createAuditor({ counters: stores.counters, ledger: stores.ledger, pricing, log, registry: metrics.registry });
  let tasks;
  // Shadow scoring hooks into every answer; the versions need the tasks built first, hence the late binding.
  let models: ModelVersions | undefined;
  const registry = openRegistry(options.dataDir);
  try {
    tasks = await createTaskService({ servedThreshold: audits.servedThreshold, onAnswered: (task, text, run) => models?.observe(task, text, run), config, baseDir: options.baseDir, env, meter, compactLoader: options.compactLoader ?? (await defaultLoader()), ...(options.onTrainProgress !== undefined ? { onTrainProgress: options.onTrainProgress } : {}) });
    audits.check(tasks);
    // Before the port opens: each task serves the registry's current model version from the first request on.
    models = createModelVersions({ tasks, registry, ledger: stores.ledger, log, onServedChange: (task, reason) => void audits.reset(task, reason) });
  } catch (error) {
    await tasks?.close();
    await relay.close();
    await stores.close();
    throw error;
  }
  const pruned = await stores.ledger.prune(config.ledger.retention_days);
  if (pruned.deleted > 0) log.info("ledger rows past retention deleted", { deleted: pruned.deleted });
  // One warning per 10 s while the counters are down, not one per request; every occurrence is counted in /metrics.
  const countersDown = throttled(10_000);
  const governance = createGovernance({
    keys: stores.keys,
    counters: stores.counters,
    ledger: stores.ledger,
    requireKeys: config.require_keys,
    onCountersUnavailable: config.counters.on_unavailable,
    ledgerWritable: stores.ledgerWritable,
    onReject: (reason) => metrics.rejected(reason),
    onCountersFailure: (error, mode) => {
      metrics.storeError("counters");
      if (mode !== undefined) metrics.budgetStoreUnavailable(mode);
      const suppressed = countersDown();
      if (suppressed !== undefined) log.warn(mode === "open" ? "budget store unreachable: requests admitted without budget checks (counters.on_unavailable: open)" : mode === "closed" ? "budget store unreachable: budgeted requests refused with 503 (counters.on_unavailable: closed)" : "budget store unreachable: spend not recorded", { error: error.message, since_last_warning: suppressed });
    },
  });
  const context: GatewayContext = {
    config,
    tasks,
    relay,
    governance,
    counters: stores.counters,
    guard: createPiiGuard(config.guard, "frugal.yaml: guard"),
    cache: createExactCache({
      enabled: config.cache.enabled,
      store: stores.cacheStore<CachedEntry>({ maxBytes: config.cache.max_bytes, ttlMs: config.cache.ttl_s * 1000, sizeOf: (e) => e.bytes }),
      cacheSampled: config.cache.cache_sampled,
      shareAcrossTeams: config.cache.share_across_teams,
    }),
    semanticCache:
      config.cache.semantic === undefined
        ? undefined
        : createSemanticCache<CachedEntry>({ model: loadSemanticCacheModel(resolve(options.baseDir, config.cache.semantic.model)), maxEntries: config.cache.semantic.max_entries }),
    stores,
    pricing,
    audits,
    models,
    metrics,
    log,
    adminKey: env.FRUGAL_ADMIN_KEY?.trim() || undefined,
    inFlight: { count: 0, draining: false },
  };
  const app = createGatewayApp(context, { keys: stores.keys, ledger: stores.ledger, registry });
  const host = options.host ?? config.server.host;
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: options.port ?? config.server.port }, () => resolve(s as Server)) as Server;
    s.once("error", reject);
  });
  answerMalformedHttp(server);
  // Daily retention, off the request path; unref'd so it never keeps a stopping process alive.
  const retention = setInterval(() => void stores.ledger.prune(config.ledger.retention_days).catch((e) => log.error("ledger retention failed", { error: String(e) })), 24 * 3600 * 1000);
  retention.unref();
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    context,
    openConnections: () => new Promise<number>((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count)))),
    close() {
      closing ??= (async () => {
        context.inFlight.draining = true;
        clearInterval(retention);
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const deadline = Date.now() + config.server.drain_ms;
        while (context.inFlight.count > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        if (context.inFlight.count > 0) {
          // Past drain_ms, the upstream calls still open are cut, so their requests end with a clean error (a 503, or a
          // final error event on a stream) and a ledger row, rather than a reset connection; bounded, like the drain.
          await relay.close();
          const grace = Date.now() + Math.min(1_000, config.server.drain_ms);
          while (context.inFlight.count > 0 && Date.now() < grace) await new Promise((r) => setTimeout(r, 20));
        }
        server.closeAllConnections();
        await closed;
        await relay.close();
        await audits.close();
        models.close();
        await tasks.close();
        await context.cache.close();
        await stores.close();
      })();
      return closing;
    },
  };
}
