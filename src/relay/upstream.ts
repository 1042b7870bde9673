/**
 * One upstream endpoint at run time: its keep-alive connection pool, the request paths and the headers, all built once.
 *
 * A pool per upstream (pipelining 1: a long generation must never hold up another request queued on the same socket).
 * The connect timeout is a pool option in undici, and it belongs to routes, so routes that name the same upstream with
 * different connect timeouts get a pool each; in the usual config that is still one pool per upstream.
 */
import { Pool } from "undici";
import type { UpstreamConfig } from "./config.ts";

export class RelayUpstream {
  readonly name: string;
  /** Origin and path of the API root, without credentials or query string: what errors and logs may name. */
  readonly endpoint: string;
  readonly apiKey: string | undefined;
  readonly region: string | undefined;
  readonly onPrem: boolean;
  readonly chatPath: string;
  readonly embeddingsPath: string;
  readonly jsonHeaders: Record<string, string>;
  readonly sseHeaders: Record<string, string>;
  private readonly origin: string;
  private readonly connections: number;
  private readonly pools = new Map<number, Pool>();

  constructor(name: string, config: UpstreamConfig, apiKey: string | undefined) {
    const url = new URL(config.base_url);
    const root = url.pathname.replace(/\/+$/, "");
    this.name = name;
    this.origin = url.origin;
    this.endpoint = `${url.origin}${root}`;
    this.apiKey = apiKey;
    this.region = config.region;
    this.onPrem = config.on_prem;
    this.connections = config.connections;
    // A query string (Azure's `?api-version=`) belongs after the operation's path.
    this.chatPath = `${root}/chat/completions${url.search}`;
    this.embeddingsPath = `${root}/embeddings${url.search}`;
    const base: Record<string, string> = { "content-type": "application/json" };
    if (apiKey !== undefined) base.authorization = `Bearer ${apiKey}`;
    this.jsonHeaders = { ...base, accept: "application/json", ...config.headers };
    this.sseHeaders = { ...base, accept: "text/event-stream", ...config.headers };
  }

  /** The pool for a connect timeout, created on first use (at relay creation, not per request). */
  pool(connectTimeoutMs: number): Pool {
    let pool = this.pools.get(connectTimeoutMs);
    if (pool === undefined) {
      pool = new Pool(this.origin, { connections: this.connections, pipelining: 1, connect: { timeout: connectTimeoutMs } });
      this.pools.set(connectTimeoutMs, pool);
    }
    return pool;
  }

  /** Set by close(): a call that fails from now on was cut by the shutdown, not by the upstream. */
  closed = false;

  /** destroy, not close: a stream still open must not keep shutdown waiting; it ends with an error. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.pools.values()].map((pool) => pool.destroy().catch(() => undefined)));
  }
}
