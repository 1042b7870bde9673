/**
 * A TCP proxy on 127.0.0.1 that a test controls, placed between frugal and a store (Redis, PostgreSQL) to make the store
 * "blink" without touching the real server, which other suites share: `cut()` destroys every open connection pair and
 * refuses new ones (a client sees a reset, then ECONNREFUSED-like failures), `restore()` lets connections through again.
 * Refusing is done by accepting and destroying at once rather than closing the listener, so the port stays ours and a
 * restore can never lose it to another process.
 */
import { createServer, connect, type Socket } from "node:net";

export interface TcpProxyOptions {
  targetHost: string;
  targetPort: number;
  /** Default 0: a free port chosen by the OS. */
  listenPort?: number;
}

export interface TcpProxy {
  readonly port: number;
  /** Destroys every open socket pair and refuses new connections until restore(). */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let refusing = false;

  const track = (socket: Socket): void => {
    open.add(socket);
    socket.once("close", () => open.delete(socket));
  };

  const server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    track(client);
    const upstream = connect({ host: options.targetHost, port: options.targetPort });
    track(upstream);
    // Either side failing or closing takes the other down: a half-open pair would look like a hung store.
    const both = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", both).on("close", both);
    upstream.on("error", both).on("close", both);
    client.pipe(upstream);
    upstream.pipe(client);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.listenPort ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("tcp proxy: no port after listen");

  return {
    port: address.port,
    cut() {
      refusing = true;
      for (const socket of open) socket.destroy();
      open.clear();
    },
    restore() {
      refusing = false;
    },
    async close() {
      refusing = true;
      for (const socket of open) socket.destroy();
      open.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const DEFAULT_PORTS: Record<string, number> = { "redis:": 6379, "rediss:": 6379, "postgres:": 5432, "postgresql:": 5432 };

/** A proxy in front of a service URL (redis://, postgres://…) and the same URL through it, credentials and db kept. */
export async function proxyServiceUrl(url: string): Promise<{ proxy: TcpProxy; url: string }> {
  const target = new URL(url);
  const targetPort = target.port === "" ? DEFAULT_PORTS[target.protocol] : Number(target.port);
  if (targetPort === undefined) throw new Error(`tcp proxy: no port in ${target.protocol} URL and no default for it`);
  const proxy = await startTcpProxy({ targetHost: target.hostname, targetPort });
  const through = new URL(url);
  through.hostname = "127.0.0.1";
  through.port = String(proxy.port);
  return { proxy, url: through.toString() };
}
