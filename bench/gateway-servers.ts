/**
 * The processes bench/gateway.ts measures against, each started as `node --import tsx bench/gateway-servers.ts <role>`
 * in its own process on 127.0.0.1, printing `bench-listening <port>` on stdout once its port is open:
 *
 * - `upstream --delay-ms N`: a minimal OpenAI-compatible server. Every POST gets the same small chat completion (with
 *   usage) N ms after its body has arrived (0: at once). The "direct" row of the bench, and what every system forwards to.
 * - `proxy --upstream URL`: the floor. A bare Node proxy: node:http in, one undici Pool out, the body and the answer
 *   copied through with no parsing, no auth, no logging: what any Node gateway pays before it does anything.
 * - `portkey`: Portkey's open-source gateway (`@portkey-ai/gateway`, pinned in devDependencies) from its own
 *   build/start-server.js, unchanged, but for the address: its server listens on every interface with no option to
 *   change it, so `listen` is wrapped to bind 127.0.0.1 only (and to report the port it got).
 */
import { createServer, Server, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Pool } from "undici";
import { benchCompletion } from "./child-server.ts";

export const UPSTREAM_MODEL = "gpt-4o-mini";

const COMPLETION = benchCompletion(UPSTREAM_MODEL, 1_700_000_000, { system_fingerprint: null });

function announce(server: Server): void {
  process.stdout.write(`bench-listening ${(server.address() as AddressInfo).port}\n`);
}

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? undefined : process.argv[at + 1];
}

function serveUpstream(delayMs: number): void {
  const answer = (res: import("node:http").ServerResponse): void => {
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(COMPLETION) });
    res.end(COMPLETION);
  };
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (req.method !== "POST") {
        res.writeHead(404).end();
        return;
      }
      if (delayMs > 0) setTimeout(answer, delayMs, res);
      else answer(res);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => announce(server));
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

function serveProxy(upstream: string): void {
  const origin = new URL(upstream).origin;
  const pool = new Pool(origin, { connections: 64, pipelining: 1 });
  const server = createServer((req, res) => {
    void (async () => {
      try {
        const body = await bodyOf(req);
        const upstreamPath = `${new URL(upstream).pathname.replace(/\/$/, "")}${(req.url ?? "/").replace(/^\/v1/, "")}`;
        const answer = await pool.request({ path: upstreamPath, method: "POST", headers: { "content-type": "application/json", authorization: req.headers.authorization ?? "" }, body });
        const bytes = Buffer.from(await answer.body.arrayBuffer());
        res.writeHead(answer.statusCode, { "content-type": String(answer.headers["content-type"] ?? "application/json"), "content-length": bytes.length });
        res.end(bytes);
      } catch (error) {
        res.writeHead(502, { "content-type": "text/plain" }).end(String(error));
      }
    })();
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => announce(server));
}

async function servePortkey(): Promise<void> {
  // Its serve() calls listen(port) with no host: bind it to loopback instead, and say which port it got.
  const listen = Server.prototype.listen;
  Server.prototype.listen = function (this: Server, ...args: unknown[]): Server {
    const callback = args.find((a): a is () => void => typeof a === "function");
    const port = typeof args[0] === "number" ? args[0] : 0;
    return listen.call(this, { port, host: "127.0.0.1" }, () => {
      announce(this);
      callback?.();
    });
  } as typeof Server.prototype.listen;
  const require = createRequire(import.meta.url);
  const entry = join(dirname(require.resolve("@portkey-ai/gateway/package.json")), "build/start-server.js");
  // Its own CLI flags: a free port, and no web UI.
  process.argv.push("--port=0", "--headless");
  await import(pathToFileURL(entry).href);
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
const role = isMain ? process.argv[2] : undefined;
if (role === "upstream") serveUpstream(Number(flag("delay-ms") ?? 0));
else if (role === "proxy") serveProxy(flag("upstream") ?? "");
else if (role === "portkey") await servePortkey();
else if (role !== undefined) throw new Error(`unknown role ${role}: upstream | proxy | portkey`);
