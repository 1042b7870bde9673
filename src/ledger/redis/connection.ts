/**
 * One Redis connection tuned for a request path that must never hang on its store: no offline queue (a command while
 * disconnected fails at once instead of waiting for a reconnect), no retry of a command whose connection dropped (a
 * resent `reserve` could run twice; callers get an error and the request is refused, which is the safe side), short
 * connect and command timeouts, and a capped reconnect loop in the background, so when Redis comes back the next request
 * simply works: recovery without a restart. Shared by the Redis counters and the Redis cache store.
 */
import { Redis } from "ioredis";
import { FrugalError } from "../../core/errors.ts";

export interface RedisConnectionOptions {
  url: string;
  /** Per command, and the longest a command waits for a (re)connection in progress. */
  commandTimeoutMs: number;
  /** What the store is, for error lines: "budget store", "cache". */
  role: string;
}

export interface RedisConnection {
  readonly client: Redis;
  /** `host:port` of the server, never the credentials of the URL. */
  readonly where: string;
  /** Runs one command (or script) once the connection is ready, or rejects within about commandTimeoutMs. */
  run<T>(command: (client: Redis) => Promise<T>): Promise<T>;
  /** The reason of the last failure, as one line (for error messages and logs). */
  describe(error: unknown): string;
  close(): Promise<void>;
}

/** Reconnect delay: quick first tries (a blink), then every second at most, forever; never a growing backoff to minutes. */
const RECONNECT_CAP_MS = 1000;

export function redisEndpoint(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || "127.0.0.1"}:${parsed.port || "6379"}`;
  } catch {
    throw new FrugalError("config_invalid", `redis url is not a valid URL (expected redis://host:port/db)`);
  }
}

export function openRedis(options: RedisConnectionOptions): RedisConnection {
  const where = redisEndpoint(options.url);
  const client = new Redis(options.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: Math.max(options.commandTimeoutMs, 500),
    commandTimeout: options.commandTimeoutMs,
    retryStrategy: (times) => Math.min(50 * times, RECONNECT_CAP_MS),
  });
  let lastError = "";
  // Down = a connection failed or dropped since the last `ready`. While down, calls fail at once (the reconnect loop runs
  // in the background); only the very first connection, still in progress, is waited for (up to commandTimeoutMs).
  let down = false;
  // Without a listener ioredis prints every failed reconnect; the failure reaches callers as one line instead.
  client.on("error", (error: unknown) => {
    lastError = error instanceof Error ? error.message : String(error);
    down = true;
  });
  client.on("close", () => {
    down = true;
  });
  client.on("ready", () => {
    down = false;
    lastError = "";
  });
  let closed = false;
  let readyWait: Promise<void> | undefined;

  function whenReady(): Promise<void> {
    readyWait ??= new Promise<void>((resolve) => {
      client.once("ready", () => {
        readyWait = undefined;
        resolve();
      });
    });
    return readyWait;
  }

  function describe(error: unknown): string {
    const reason = error instanceof Error ? error.message : String(error);
    const detail = reason.startsWith("Stream isn't writeable")
      ? `not connected${lastError ? ` (${lastError})` : ""}`
      : reason.startsWith("Reached the max retries")
        ? "the connection was lost during the command"
        : reason;
    return `${options.role} redis at ${where} is unavailable: ${detail.split("\n")[0]}`;
  }

  async function waitReady(): Promise<void> {
    if (client.status === "ready") return;
    if (closed || client.status === "end") throw new Error("the connection is closed");
    if (down) throw new Error(`not connected, reconnecting${lastError ? ` (${lastError})` : ""}`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not connected within ${options.commandTimeoutMs} ms${lastError ? ` (${lastError})` : ""}`)), options.commandTimeoutMs);
      timer.unref();
    });
    try {
      await Promise.race([whenReady(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    client,
    where,
    async run(command) {
      await waitReady();
      return command(client);
    },
    describe,
    async close() {
      if (closed) return;
      closed = true;
      try {
        if (client.status === "ready") await client.quit();
        else client.disconnect();
      } catch {
        client.disconnect();
      }
    },
  };
}
