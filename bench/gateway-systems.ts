/**
 * Starting what bench/gateway.ts measures, each in its own process on 127.0.0.1: the local upstream, the bare Node proxy
 * and Portkey (bench/gateway-servers.ts), and `frugal serve` itself through the real CLI (bin/frugal.js) with a
 * frugal.yaml written to a temp dir, governance on (keys required, a key with a budget created by `frugal keys create`,
 * the ledger in SQLite), and a BANKING77 compact classifier trained once by `frugal train classify` and cached under
 * .frugal/bench/.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { readLabeledTexts } from "../src/data/labeled-texts.ts";
import { UPSTREAM_MODEL } from "./gateway-servers.ts";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const FRUGAL = join(ROOT, "bin/frugal.js");
const SERVERS = join(ROOT, "bench/gateway-servers.ts");
const run = promisify(execFile);

export interface Started {
  port: number;
  pid: number;
  /** SIGTERM, then the exit (a --cpu-prof profile is written on a clean exit). */
  stop(): Promise<void>;
}

/** Spawns `args` with node, stdout scanned for the port; stderr (and stdout) kept in `logFile` for a failure's tail. */
async function spawnListening(args: string[], marker: RegExp, logFile: string, env: NodeJS.ProcessEnv = process.env): Promise<Started> {
  const log = createWriteStream(logFile);
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  child.stderr?.pipe(log);
  const port = await new Promise<number>((done, fail) => {
    let seen = "";
    const timer = setTimeout(() => fail(new Error(`${args.join(" ")}: no port after 180 s (log: ${logFile})`)), 180_000);
    child.once("error", fail);
    child.once("exit", (code) => fail(new Error(`${args.join(" ")} exited with ${code} before listening (log: ${logFile})`)));
    child.stdout?.on("data", (chunk: Buffer) => {
      log.write(chunk);
      seen += chunk.toString();
      const match = marker.exec(seen);
      if (match !== null) {
        clearTimeout(timer);
        done(Number(match[1]));
      }
    });
  });
  child.removeAllListeners("exit");
  // Keep draining stdout, or a chatty child blocks on a full pipe.
  child.stdout?.on("data", (chunk: Buffer) => log.write(chunk));
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  return {
    port,
    pid: child.pid as number,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timeout = setTimeout(() => child.kill("SIGKILL"), 20_000);
      await exited;
      clearTimeout(timeout);
      log.end();
    },
  };
}

const BENCH_MARKER = /bench-listening (\d+)/;
const tsx = ["--import", "tsx"];

export function startUpstream(delayMs: number, logDir: string): Promise<Started> {
  return spawnListening([...tsx, SERVERS, "upstream", "--delay-ms", String(delayMs)], BENCH_MARKER, join(logDir, "upstream.log"));
}

export function startProxy(upstreamV1: string, logDir: string): Promise<Started> {
  return spawnListening([...tsx, SERVERS, "proxy", "--upstream", upstreamV1], BENCH_MARKER, join(logDir, "proxy.log"));
}

export function startPortkey(logDir: string): Promise<Started> {
  return spawnListening([...tsx, SERVERS, "portkey"], BENCH_MARKER, join(logDir, "portkey.log"), { ...process.env, NODE_ENV: "production" });
}

/** The compact classifier the task is answered by: trained once (`frugal train classify`, ~20-60 s), then reused. */
export async function ensureClassifier(): Promise<string> {
  const model = join(ROOT, ".frugal/bench/b77.frugal");
  if (existsSync(model)) return model;
  mkdirSync(dirname(model), { recursive: true });
  process.stderr.write(`training the BANKING77 classifier once into ${model}…\n`);
  const data = join(ROOT, "examples/banking77/train.csv");
  await run(process.execPath, [FRUGAL, "train", "classify", "--data", data, "--text-col", "text", "--label-col", "category", "--out", model], { cwd: ROOT });
  return model;
}

export const ROUTE = "bench-route";
export const PII_ROUTE = "bench-route-pii";
export const TASK = "banking77";

/** The frugal.yaml of the run: one upstream, a plain route and a `redact` route to it, a compact-only task; cache off. */
export function frugalConfig(upstreamV1: string, classifier: string, options: { writerThread?: boolean } = {}): Record<string, unknown> {
  const targets = [{ upstream: "bench", model: UPSTREAM_MODEL }];
  return {
    server: { host: "127.0.0.1", port: 0 },
    require_keys: true,
    tiers: { compact: { kind: "compact", model: classifier } },
    tasks: [{ name: TASK, kind: "classify", tiers: ["compact"] }],
    upstreams: { bench: { base_url: upstreamV1, region: "local", on_prem: true, connections: 64 } },
    routes: [
      { name: ROUTE, targets },
      { name: PII_ROUTE, targets },
    ],
    route_policies: { [PII_ROUTE]: { pii: { policy: "redact" } } },
    // Off: the task's texts repeat (3,080 test texts), and a cache hit would measure the cache, not the compact tier.
    cache: { enabled: false },
    ledger: { retention_days: 365, writer_thread: options.writerThread ?? true },
  };
}

export interface FrugalSetup {
  configPath: string;
  dataDir: string;
  key: string;
}

/** Writes the config and creates the key the bench sends (team `bench`, a budget no run can exhaust). */
export async function prepareFrugal(workDir: string, upstreamV1: string, classifier: string, options: { writerThread?: boolean } = {}): Promise<FrugalSetup> {
  const dataDir = join(workDir, "data");
  mkdirSync(dataDir, { recursive: true });
  const configPath = join(workDir, "frugal.yaml");
  writeFileSync(configPath, stringify(frugalConfig(upstreamV1, classifier, options)));
  const { stdout } = await run(process.execPath, [FRUGAL, "keys", "create", "--team", "bench", "--budget-usd", "1000000", "--period", "month", "--json", "--data-dir", dataDir], { cwd: ROOT });
  const key = (JSON.parse(stdout) as { key: string }).key;
  return { configPath, dataDir, key };
}

/**
 * `frugal serve` through the CLI; `cpuProfDir` adds node's --cpu-prof (written when it exits on SIGTERM), `nodeFlags`
 * any other node flags (e.g. `--trace-gc`, or `--import bench/probes/promoted-heap.mjs`).
 */
export function startFrugal(setup: FrugalSetup, logDir: string, cpuProfDir?: string, nodeFlags: string[] = []): Promise<Started> {
  const profile = [...(cpuProfDir === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", cpuProfDir]), ...nodeFlags];
  return spawnListening(
    [...profile, FRUGAL, "serve", setup.configPath, "--data-dir", setup.dataDir, "--host", "127.0.0.1", "--port", "0"],
    /listening on http:\/\/127\.0\.0\.1:(\d+)/,
    join(logDir, "frugal.log"),
  );
}

/** The chat request every system gets: a system prompt, one BANKING77 text, max_tokens 16. */
export function chatBody(model: string, text: string): string {
  return JSON.stringify({ model, messages: [{ role: "system", content: "You are a helpful banking assistant." }, { role: "user", content: text }], max_tokens: 16 });
}

/** BANKING77 test texts: what every request carries, so all systems get the same bodies. */
export function banking77Texts(): string[] {
  return readLabeledTexts(join(ROOT, "examples/banking77/test.csv"), { textCol: "text", labelCol: "category" }).examples.map((e) => e.text);
}
