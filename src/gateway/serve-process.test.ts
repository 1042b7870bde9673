/**
 * `frugal serve` as an operator runs it: a child process on a config file, in front of fake upstreams in this process.
 * SIGTERM drains a stream in flight and exits 0; `kill -9` under load loses no ledger row of a response a client
 * received whole; a missing or bad config is one `error:` line and exit 2; `--from-poc` serves the recommended pipeline
 * with the recommended threshold.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startFakeOpenAiServer, type FakeOpenAiServer } from "../../test/fixtures/fake-openai-server.ts";
import { frugalCli, ledgerRows, newRequestId, postJson, readSse, ROOT, userMessage } from "./testing/behaviour.ts";
import { CHILD_ENV, newKey, serveChild as serve } from "./testing/serve-child.ts";

const routeConfig = (upstreamUrl: string) => `
server: { drain_ms: 10000, sse_keepalive_ms: 1000 }
upstreams:
  a: { base_url: "${upstreamUrl}", region: eu-west-3 }
routes:
  - name: gpt-4o
    targets: [{ upstream: a, model: gpt-4o }]
    retries: 0
`;

describe("frugal serve, as a process", () => {
  let upstream: FakeOpenAiServer;
  let dir: string;
  let configFile: string;
  before(async () => {
    upstream = await startFakeOpenAiServer({ answer: (req) => `echo: ${JSON.stringify(req.messages).length}` });
    dir = mkdtempSync(join(tmpdir(), "frugal-serve-"));
    configFile = join(dir, "frugal.yaml");
    writeFileSync(configFile, routeConfig(upstream.url));
  });
  after(() => upstream.close());

  it("SIGTERM while a slow stream is in flight: the stream completes, exit 0, the ledger verifies", async () => {
    const dataDir = join(dir, "drain");
    const key = await newKey(dataDir);
    const served = await serve([configFile, "--port", "0", "--data-dir", dataDir]);
    const text = "slowly ".repeat(40);
    upstream.enqueue({ type: "answer", text, chunkSize: 7, chunkDelayMs: 40 });
    const id = newRequestId("drain");
    const res = await postJson(`${served.url}/v1`, "/chat/completions", { model: "gpt-4o", stream: true, messages: userMessage("go slow") }, { key, requestId: id });
    assert.equal(res.status, 200);
    const [head, rest] = res.body!.tee();
    const reader = head.getReader();
    await reader.read(); // the stream is flowing
    served.child.kill("SIGTERM");
    const sse = await readSse(new Response(rest));
    await reader.cancel();
    assert.ok(sse.done, "the stream ended with [DONE]");
    assert.equal(sse.content, text, "the whole answer arrived");
    assert.deepEqual(await served.exited, { code: 0, signal: null }, served.stderr());
    const rows = await ledgerRows(dataDir);
    assert.deepEqual(rows.map((r) => [r.requestId, r.status]), [[id, 200]]);
    const verified = await frugalCli(["ledger", "verify", "--data-dir", dataDir]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /^ok: 1 rows/);
  });

  it("kill -9 under load: every response a client received whole has its ledger row, and the chain verifies", async () => {
    const dataDir = join(dir, "kill");
    const key = await newKey(dataDir);
    const served = await serve([configFile, "--port", "0", "--data-dir", dataDir]);
    const complete: string[] = [];
    let started = 0;
    let failed = 0;
    const killAt = 100;
    const one = async (i: number): Promise<void> => {
      const id = newRequestId(`load${i}`);
      const stream = i % 4 === 0;
      try {
        const res = await postJson(`${served.url}/v1`, "/chat/completions", { model: "gpt-4o", ...(stream ? { stream: true } : {}), messages: userMessage(`request ${i}`) }, { key, requestId: id });
        if (res.status !== 200) throw new Error(`status ${res.status}`);
        const whole = stream ? (await readSse(res)).done : typeof ((await res.json()) as { id?: unknown }).id === "string";
        if (!whole) throw new Error("incomplete");
        complete.push(id);
        if (complete.length === killAt) served.child.kill("SIGKILL");
      } catch {
        failed++;
      }
    };
    // 200 requests, 20 at a time.
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (started < 200) await one(started++);
      }),
    );
    assert.equal((await served.exited).signal, "SIGKILL");
    assert.ok(complete.length >= killAt, `responses before the kill: ${complete.length}`);
    assert.ok(failed > 0, "the kill cut some requests short");
    const logged = new Set((await ledgerRows(dataDir)).map((r) => r.requestId));
    const missing = complete.filter((id) => !logged.has(id));
    assert.deepEqual(missing, [], `${missing.length} of ${complete.length} received responses have no ledger row`);
    const verified = await frugalCli(["ledger", "verify", "--json", "--data-dir", dataDir]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.equal((JSON.parse(verified.stdout) as { ok: boolean }).ok, true);
  });

  it("no config, or a bad one: one error line and exit 2", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, routeConfig(upstream.url).replace("upstream: a", "upstream: nowhere"));
    const cases: Array<[string[], RegExp]> = [
      [[], /exactly one of/],
      [[join(dir, "missing.yaml")], /missing\.yaml/],
      [[bad], /routes\.0\.targets\.0\.upstream|nowhere/],
    ];
    for (const [args, pattern] of cases) {
      const result = await frugalCli(["serve", ...args, "--data-dir", join(dir, "unused")], CHILD_ENV);
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      const lines = result.stderr.trim().split("\n");
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0]!, /^error: /);
      assert.match(lines[0]!, pattern);
      assert.equal(result.stdout, "", "never listening");
    }
  });

  it("--from-poc serves the recommended pipeline with the recommended threshold", async () => {
    const model = join(ROOT, "test/fixtures/compact/schema1-classifier.frugal");
    writeFileSync(
      join(dir, "poc.yaml"),
      `task:\n  name: intents\n  kind: classify\n  dataset: { path: data.csv, label: category }\ntiers:\n  compact: { kind: compact, model: "${model}" }\n  big: { kind: llm, model: gpt-4o-mini }\npipelines:\n  - name: dense\n    tiers: [big]\n  - name: frugal\n    tiers: [compact, big]\nload: { kind: poisson, rate: 50, items: 100 }\nslo: { p95_ms: 500 }\nquality_target: 0.9\n`,
    );
    // 0.999: above the fixture's confidence for "my card has not arrived yet" (0.9976), below "why was my top up reverted?".
    const results = join(dir, "results.json");
    writeFileSync(results, JSON.stringify({ config_file: "poc.yaml", recommendation: { pipeline: "frugal", threshold: 0.999 } }));
    const dataDir = join(dir, "poc");
    const key = await newKey(dataDir);
    const served = await serve(["--from-poc", results, "--port", "0", "--data-dir", dataDir]);
    try {
      const ask = async (input: string) => (await (await postJson(`${served.url}/v1`, "/tasks/intents", { input }, { key })).json()) as { answer: string; tier: string; degraded: boolean };
      const unsure = await ask("my card has not arrived yet");
      assert.deepEqual([unsure.answer, unsure.tier, unsure.degraded], ["card_arrival", "compact", true], "below the recommended threshold, with no LLM: degraded");
      const sure = await ask("why was my top up reverted?");
      assert.deepEqual([sure.answer, sure.degraded], ["top_up_reverted", false]);
      assert.match(served.stderr(), /warning: task intents: no LLM endpoint/);
    } finally {
      served.child.kill("SIGTERM");
      assert.equal((await served.exited).code, 0);
    }
  });
});
