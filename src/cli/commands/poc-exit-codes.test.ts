/**
 * `frugal poc` against endpoints that fail, as a user meets them: nothing listening (exit 3 before anything is measured),
 * an endpoint that starts answering 500 (exit 4, partial report, no comparison nor recommendation), one that hangs while
 * the user presses Ctrl-C (exit 130 at once, not after the tier's timeout). The fake server runs in this process, the CLI
 * in a child.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startFakeOpenAiServer, type FakeBehaviour, type FakeOpenAiServer } from "../../../test/fixtures/fake-openai-server.ts";
import { closedPort } from "../../testing/ports.ts";

const bin = fileURLToPath(new URL("../../../bin/frugal.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "frugal-poc-exit-"));
writeFileSync(join(dir, "data.csv"), ["text,label", ...Array.from({ length: 40 }, (_, i) => `message ${i},${i % 2 === 0 ? "yes" : "no"}`)].join("\n"));
writeFileSync(
  join(dir, "poc.yaml"),
  `
task: { name: yn, kind: classify, dataset: { path: data.csv }, labels: [yes, no] }
tiers:
  big-llm: { kind: llm, model: gpt-4o-mini, max_retries: 0, timeout_ms: 60000 }
pipelines:
  - { name: dense, tiers: [big-llm] }
load: { kind: constant, rate: 20 }
slo: { p95_ms: 1000 }
quality_target: 0.9
`,
);

let script: (index: number) => FakeBehaviour | undefined = () => undefined;
let server: FakeOpenAiServer;
before(async () => {
  server = await startFakeOpenAiServer({ handler: (_request, index) => script(index), answer: "yes" });
});
after(async () => server.close());

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in a child (async: the fake server in this process must keep answering); `onSpawn` may signal it. */
function frugal(args: string[], env: Record<string, string>, onSpawn?: (child: ReturnType<typeof spawn>) => void): Promise<Run> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: dir, env: { ...process.env, FRUGAL_NO_PROGRESS: "1", FRUGAL_LLM_MODEL: "", ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  onSpawn?.(child);
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

test("nothing listening: exit 3, one error line naming the endpoint (never the key), no report", async () => {
  const port = await closedPort();
  const r = await frugal(["poc", "poc.yaml", "--out", "dead"], { FRUGAL_LLM_BASE_URL: `http://127.0.0.1:${port}/v1`, FRUGAL_LLM_API_KEY: "sk-do-not-print" });
  assert.equal(r.code, 3, r.stderr);
  const errors = r.stderr.split("\n").filter((l) => l.startsWith("error:"));
  assert.equal(errors.length, 1, r.stderr);
  assert.match(errors[0] as string, new RegExp(`127\\.0\\.0\\.1:${port}/v1.*preflight`));
  assert.ok(!r.stderr.includes("sk-do-not-print") && !r.stdout.includes("sk-do-not-print"));
  assert.ok(!existsSync(join(dir, "dead", "results.json")));
});

test("an endpoint answering 500 mid-run: exit 4, a partial report that says why, no comparison nor recommendation", async () => {
  const first = server.requests.length; // the chat index of this run's preflight
  script = (index) => (index > first + 4 ? { type: "error", status: 500, message: "upstream overloaded" } : undefined);
  const r = await frugal(["poc", "poc.yaml", "--out", "failing"], { FRUGAL_LLM_BASE_URL: server.url });
  script = () => undefined;
  assert.equal(r.code, 4, r.stderr);
  assert.match(r.stderr, /^error: pipeline dense failed \d+ of \d+ requests .*above failure_limit 5\.0%.*upstream overloaded.*partial report: /m);
  const results = JSON.parse(readFileSync(join(dir, "failing", "results.json"), "utf8")) as { aborted?: { pipeline: string }; partial: boolean; recommendation: { withheld?: boolean } };
  assert.equal(results.aborted?.pipeline, "dense");
  assert.equal(results.partial, true);
  assert.equal(results.recommendation.withheld, true);
  assert.doesNotMatch(r.stdout, /costs .* (less|more) per request/);
});

// The schedule (40 requests at 200/s) ends at once; the user presses Ctrl-C while the run drains hanging requests, which
// drain_ms and the tier's timeout would both let wait two minutes.
writeFileSync(join(dir, "drain.yaml"), readFileSync(join(dir, "poc.yaml"), "utf8").replace("timeout_ms: 60000", "timeout_ms: 120000").replace("rate: 20 }", "rate: 200, drain_ms: 120000 }"));

test("Ctrl-C against a hanging endpoint returns within the 3 s drain, not after drain_ms or the tier timeout: exit 130, partial report", { timeout: 90_000 }, async () => {
  const first = server.requests.length;
  script = (index) => (index > first ? { type: "hang" } : undefined); // the preflight answers, then nothing does
  let signalled = false;
  const chats = (): number => server.requests.filter((q) => q.path.endsWith("/chat/completions")).length;
  const r = await frugal(["poc", "drain.yaml", "--out", "hanging"], { FRUGAL_LLM_BASE_URL: server.url }, (child) => {
    const poll = setInterval(() => {
      // Measured requests are arriving; a second later the 0.2 s schedule is long over and the run is draining (the
      // client's connection pool holds back the rest, so the server never sees all 40).
      if (chats() - first >= 3) {
        clearInterval(poll);
        setTimeout(() => (signalled = child.kill("SIGINT")), 1000);
      }
    }, 20);
    child.on("close", () => clearInterval(poll));
  });
  script = () => undefined;
  assert.ok(signalled);
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /interrupted/);
  const results = JSON.parse(readFileSync(join(dir, "hanging", "results.json"), "utf8")) as { partial: boolean; partial_note: string };
  assert.equal(results.partial, true);
  assert.match(results.partial_note, /^interrupted \(Ctrl-C\)/);
});
