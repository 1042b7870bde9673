/**
 * A local frugal cluster for the reliability suite, the soak and the store bench: N `frugal serve` child processes (the
 * real CLI, `node bin/frugal.js serve cfg.yaml --port 0 --data-dir D`) on ONE config whose ledger and keys are in
 * PostgreSQL and whose counters and cache are in Redis, each replica with a data dir of its own (the ledger's spill file
 * is per replica). What a load balancer would do is left to the caller: `alive()` says which replicas still answer.
 *
 * Isolation: `isolatedStores()` gives one run its own PostgreSQL schema (`ledger.schema`) and Redis key prefix
 * (`counters.prefix`, `cache.prefix`) and removes both afterwards (DROP SCHEMA, SCAN + DEL: never FLUSHDB, other suites
 * share the database). Stores may be reached through a TCP proxy (src/testing/tcp-proxy.ts) so a test can make them blink.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { stringify } from "yaml";
import { frugalCli, type CliResult } from "../gateway/testing/behaviour.ts";
import { CHILD_ENV, serveChild, type ServedChild } from "../gateway/testing/serve-child.ts";
import { deleteRedisPrefix } from "./redis-prefix.ts";
import { uniqueTestName } from "./services.ts";

export interface IsolatedStores {
  pgUrl: string;
  redisUrl: string;
  /** The PostgreSQL schema of this run (`ledger.schema`). */
  schema: string;
  /** The Redis key prefix of this run; the cache uses `${prefix}cache:`. */
  prefix: string;
  /** A small pool on the run's schema, to read the ledger as an operator would. */
  sql: pg.Pool;
  /** Drops the schema and deletes the prefixed keys. */
  cleanup(): Promise<void>;
}

/** A schema and a key prefix no other run uses, on the given servers. */
export function isolatedStores(pgUrl: string, redisUrl: string): IsolatedStores {
  const schema = uniqueTestName("schema");
  const prefix = uniqueTestName("prefix");
  const sql = new pg.Pool({ connectionString: pgUrl, max: 2, options: `-c search_path=${schema}` });
  // An idle client dropped by the server must not crash the run; queries still report their own errors.
  sql.on("error", () => undefined);
  return {
    pgUrl,
    redisUrl,
    schema,
    prefix,
    sql,
    async cleanup() {
      try {
        await sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await sql.end();
        await deleteRedisPrefix(redisUrl, prefix);
      }
    },
  };
}

/**
 * The store keys of a cluster config: ledger and keys on PostgreSQL, counters and cache on Redis, each url possibly a
 * proxy's (`via`) instead of the server's own.
 */
export function storeKeys(stores: IsolatedStores, via: { pgUrl?: string; redisUrl?: string } = {}, onUnavailable: "closed" | "open" = "closed"): Record<string, unknown> {
  const redisUrl = via.redisUrl ?? stores.redisUrl;
  return {
    ledger: { url: via.pgUrl ?? stores.pgUrl, schema: stores.schema },
    counters: { url: redisUrl, prefix: stores.prefix, on_unavailable: onUnavailable },
    cache: { url: redisUrl, prefix: `${stores.prefix}cache:` },
  };
}

export interface ClusterReplica {
  readonly index: number;
  /** http://127.0.0.1:PORT (no /v1). */
  readonly url: string;
  readonly pid: number;
  readonly dataDir: string;
  readonly exited: ServedChild["exited"];
  /** False once the process has exited (killed or crashed). */
  alive(): boolean;
  stderr(): string;
  /** Sends the signal and resolves with the exit. SIGKILL is `kill -9`: no drain, no flush. */
  kill(signal: "SIGKILL" | "SIGTERM"): ServedChild["exited"];
}

export interface Cluster {
  readonly dir: string;
  readonly configPath: string;
  readonly replicas: ClusterReplica[];
  /**
   * Starts replica `index` again on its config and data dir (after a kill: a spill file left there is replayed first) and
   * puts it in its place in `replicas`.
   */
  restart(index: number): Promise<ClusterReplica>;
  /** `frugal ...args --config <the cluster's config>` in a child process (keys, ledger verify/export). */
  cli(args: string[]): Promise<CliResult>;
  /** SIGTERM to every live replica (SIGKILL after `graceMs`), then the temp dir removed. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

export interface ClusterOptions {
  /** The frugal.yaml, as an object (written as YAML). */
  config: Record<string, unknown>;
  replicas: number;
  /** More replicas on configs of their own (e.g. another `counters.on_unavailable`), started with the others, listed after. */
  also?: Array<Record<string, unknown>>;
  /** How long a replica may take to print `listening` (training nothing, on a busy machine). Default 60 s. */
  startTimeoutMs?: number;
  env?: Record<string, string>;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not listening after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), "frugal-cluster-"));
  const env = { ...CHILD_ENV, ...options.env };
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const replicas: ClusterReplica[] = [];
  const children: ServedChild[] = [];
  const writeConfig = (name: string, config: Record<string, unknown>): string => {
    const path = join(dir, name);
    writeFileSync(path, stringify(config));
    return path;
  };
  const configPath = writeConfig("frugal.yaml", options.config);

  let launched = 0;
  const configOf = new Map<number, string>();
  const launch = async (configFile: string, again?: number): Promise<ClusterReplica> => {
    const index = again ?? launched++;
    configOf.set(index, configFile);
    const dataDir = join(dir, `replica-${index}`);
    mkdirSync(dataDir, { recursive: true });
    const started = serveChild([configFile, "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir], env);
    const served = await withTimeout(started, startTimeoutMs, `replica ${index}`).catch((error: unknown) => {
      // One that comes up after all is killed at once rather than left running.
      void started.then((late) => late.child.kill("SIGKILL")).catch(() => undefined);
      throw error;
    });
    children.push(served);
    let exited = false;
    void served.exited.then(() => (exited = true));
    return {
      index,
      url: served.url,
      pid: served.child.pid as number,
      dataDir,
      exited: served.exited,
      alive: () => !exited,
      stderr: served.stderr,
      kill(signal) {
        if (!exited) served.child.kill(signal);
        return served.exited;
      },
    };
  };

  const cluster: Cluster = {
    dir,
    configPath,
    replicas,
    async restart(index) {
      const at = replicas.findIndex((r) => r.index === index);
      if (at === -1 || replicas[at]!.alive()) throw new Error(`replica ${index} is not a stopped replica of this cluster`);
      const replica = await launch(configOf.get(index)!, index);
      replicas[at] = replica;
      return replica;
    },
    cli: (args) => frugalCli([...args, "--config", configPath, "--data-dir", join(dir, "cli")], env),
    async stop(graceMs = 10_000) {
      await Promise.all(
        children.splice(0).map(async (served) => {
          if (served.child.exitCode !== null || served.child.signalCode !== null) return;
          served.child.kill("SIGTERM");
          const timer = setTimeout(() => served.child.kill("SIGKILL"), graceMs);
          await served.exited;
          clearTimeout(timer);
        }),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    // Started together: each takes seconds of mostly single-threaded start-up, so two cores overlap them.
    const extra = (options.also ?? []).map((config, i) => writeConfig(`frugal-also-${i}.yaml`, config));
    const started = await Promise.allSettled([...Array.from({ length: options.replicas }, () => configPath), ...extra].map((file) => launch(file)));
    for (const s of started) if (s.status === "fulfilled") replicas.push(s.value);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed !== undefined) throw failed.reason;
    replicas.sort((a, b) => a.index - b.index);
    return cluster;
  } catch (error) {
    await cluster.stop(1000);
    throw error;
  }
}
