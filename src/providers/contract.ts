/**
 * The contract every Provider implementation passes, whatever its backend (an HTTP endpoint, a local GGUF model...). Call
 * it from the implementation's test file:
 *
 *   runProviderContract("llama-cpp", () => createLlamaCppProvider({ modelPath }), { maxTokens: 8 });
 *
 * It checks what callers rely on: chat returns text and usage; a stream yields text deltas (and logprobs parts) then
 * exactly one finish, last; a JSON-schema request answers parseable, valid JSON; aborting rejects with `cancelled`,
 * including mid-stream; concurrent calls all complete; close is idempotent and later calls reject with a FrugalError.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { isFrugalError } from "../core/errors.ts";
import type { ChatRequest, ChatResult, ChatUsage, Provider, StreamPart } from "./types.ts";

export interface ProviderContractOptions {
  /** Check `tokenLogprobs` when `logprobs: true` is asked (set when the backend offers them). Default false. */
  logprobs?: boolean;
  /** Token limit of the generation tests: small keeps slow local models fast. Default 16. */
  maxTokens?: number;
  /** Token limit of the JSON-schema test, which must fit a whole object. Default 48. */
  jsonMaxTokens?: number;
  /** Per-test time limit. Default 60 s. */
  testTimeoutMs?: number;
}

const FINISH_REASONS = new Set<ChatResult["finishReason"]>(["stop", "length", "content_filter", "tool_calls", "error", "unknown"]);

const LABELS = ["billing", "support", "other"];
const SCHEMA = {
  name: "ticket_label",
  schema: {
    type: "object",
    properties: { label: { type: "string", enum: LABELS } },
    required: ["label"],
    additionalProperties: false,
  },
};

function assertUsage(usage: ChatUsage): void {
  assert.ok(Number.isInteger(usage.inputTokens) && usage.inputTokens > 0, `inputTokens must be a positive integer, got ${usage.inputTokens}`);
  assert.ok(Number.isInteger(usage.outputTokens) && usage.outputTokens > 0, `outputTokens must be a positive integer, got ${usage.outputTokens}`);
  assert.ok(usage.provenance === "measured" || usage.provenance === "modeled", `token provenance is ${usage.provenance}`);
}

async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

async function rejectsCancelled(promise: Promise<unknown>, what: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isFrugalError(error), `${what}: expected a FrugalError, got ${String(error)}`);
    assert.equal(error.code, "cancelled", `${what}: expected code cancelled, got ${error.code}: ${error.message}`);
    return true;
  });
}

export function runProviderContract(
  name: string,
  makeProvider: () => Provider | Promise<Provider>,
  options: ProviderContractOptions = {},
): void {
  const maxTokens = options.maxTokens ?? 16;
  const timeout = options.testTimeoutMs ?? 60_000;
  const ask = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
    messages: [
      { role: "system", content: "You are a terse assistant." },
      { role: "user", content },
    ],
    maxTokens,
    temperature: 0,
    ...extra,
  });

  describe(`provider contract: ${name}`, { timeout }, () => {
    let provider: Provider;
    before(async () => {
      provider = await makeProvider();
    });
    after(async () => {
      await provider.close();
    });

    it("has an id and a default model", () => {
      assert.ok(provider.id.length > 0);
      assert.ok(provider.model.length > 0);
    });

    it("chat returns text, usage, a finish reason and timings", async () => {
      const result = await provider.chat(ask("Say hello in five words."));
      assert.equal(typeof result.text, "string");
      assert.ok(result.text.length > 0, "chat returned empty text");
      assertUsage(result.usage);
      assert.ok(FINISH_REASONS.has(result.finishReason), `unknown finish reason ${result.finishReason}`);
      assert.ok(result.model.length > 0);
      assert.ok(Number.isFinite(result.latencyMs) && result.latencyMs >= 0);
      assert.ok(Number.isInteger(result.attempts) && result.attempts >= 1);
    });

    it("stream yields text deltas, then exactly one finish, last", async () => {
      const parts = await collect(provider.stream(ask("Count from one to five.")));
      const finishes = parts.filter((p) => p.type === "finish");
      assert.equal(finishes.length, 1, "expected exactly one finish part");
      const last = parts[parts.length - 1];
      assert.ok(last !== undefined && last.type === "finish", "the finish part must come last");
      const deltas = parts.filter((p) => p.type === "text-delta");
      assert.ok(deltas.length > 0, "expected at least one text-delta");
      for (const part of parts.slice(0, -1)) assert.ok(part.type === "text-delta" || part.type === "logprobs", `unexpected ${part.type}`);
      for (const delta of deltas) assert.ok(delta.text.length > 0, "a text-delta must not be empty");
      assertUsage(last.usage);
      assert.ok(FINISH_REASONS.has(last.finishReason));
      assert.ok(Number.isFinite(last.latencyMs) && last.latencyMs >= 0);
    });

    it("a JSON-schema request answers JSON that parses and fits the schema", async () => {
      const result = await provider.chat(
        ask(`Classify this ticket: "I was charged twice this month." Labels: ${LABELS.join(", ")}.`, {
          jsonSchema: SCHEMA,
          maxTokens: options.jsonMaxTokens ?? 48,
        }),
      );
      let parsed: unknown;
      assert.doesNotThrow(() => {
        parsed = JSON.parse(result.text);
      }, `answer is not JSON: ${result.text}`);
      assert.ok(parsed !== null && typeof parsed === "object" && !Array.isArray(parsed), "answer is not a JSON object");
      const label = (parsed as Record<string, unknown>).label;
      assert.ok(typeof label === "string" && LABELS.includes(label), `label ${String(label)} is not one of ${LABELS.join(", ")}`);
    });

    if (options.logprobs === true) {
      it("returns token logprobs when asked", async () => {
        const result = await provider.chat(ask("Say yes.", { logprobs: true }));
        assert.ok(result.tokenLogprobs !== undefined && result.tokenLogprobs.length > 0, "no tokenLogprobs");
        for (const value of result.tokenLogprobs) assert.ok(Number.isFinite(value) && value <= 0, `logprob ${value} is not <= 0`);
      });
    }

    it("an already-aborted signal rejects chat and stream with code cancelled", async () => {
      await rejectsCancelled(provider.chat(ask("Hello", { signal: AbortSignal.abort() })), "chat");
      await rejectsCancelled(collect(provider.stream(ask("Hello", { signal: AbortSignal.abort() }))), "stream");
    });

    it("aborting mid-stream rejects with code cancelled and yields no finish", async () => {
      const controller = new AbortController();
      const seen: StreamPart[] = [];
      const run = async (): Promise<void> => {
        for await (const part of provider.stream(ask("Write a long story about a lighthouse.", { signal: controller.signal }))) {
          seen.push(part);
          if (part.type === "text-delta") controller.abort();
        }
      };
      await rejectsCancelled(run(), "stream aborted after its first delta");
      assert.ok(!seen.some((p) => p.type === "finish"), "a finish part was yielded after the abort");
    });

    it("the provider still answers after an aborted call", async () => {
      const result = await provider.chat(ask("Say hello."));
      assert.ok(result.text.length > 0);
    });

    it("serves concurrent calls", async () => {
      const results = await Promise.all([0, 1, 2].map((i) => provider.chat(ask(`Say the number ${i}.`))));
      for (const result of results) assertUsage(result.usage);
    });

    it("close is idempotent and later calls reject with a FrugalError", async () => {
      const own = await makeProvider();
      await own.chat(ask("Hi."));
      await own.close();
      await own.close();
      await assert.rejects(own.chat(ask("Hi.")), (error: unknown) => isFrugalError(error));
    });
  });
}
