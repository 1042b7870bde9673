/**
 * Test support for the improvement loop: a test gateway (src/gateway/testing) whose `intents` task stores bodies and
 * whose stand-in LLM answers each BANKING77 text with its gold label, so a ledger fills with real LLM-labeled rows the way
 * production would. The texts are the examples' BANKING77 training rows of the test gateway's three labels.
 */
import { fileURLToPath } from "node:url";
import { lastUserText } from "../../test/fixtures/fake-openai-server.ts";
import { readLabeledTexts } from "../data/labeled-texts.ts";
import { startTestGateway, TEST_LABELS, type TestGateway, type TestGatewayOptions } from "../gateway/testing/test-gateway.ts";

export const BANKING_TRAIN = fileURLToPath(new URL("../../examples/banking77/train.csv", import.meta.url));
export const ADMIN_KEY = "admin-key-for-tests";

export interface LabeledGateway extends TestGateway {
  /** BANKING77 rows of the test labels, in file order. */
  rows: Array<{ text: string; label: string }>;
  key: string;
  /** POST /v1/tasks/intents; the parsed body and status. */
  ask(text: string): Promise<{ status: number; body: Record<string, unknown> }>;
  post(path: string, body: unknown, auth?: string): Promise<{ status: number; body: Record<string, unknown> }>;
}

export async function startLabeledGateway(options: TestGatewayOptions = {}): Promise<LabeledGateway> {
  const rows = readLabeledTexts(BANKING_TRAIN, { labelCol: "category" }).examples.filter((e) => TEST_LABELS.includes(e.label)).map(({ text, label }) => ({ text, label }));
  const gold = new Map(rows.map((r) => [r.text, r.label]));
  const gateway = await startTestGateway({
    ...options,
    env: { FRUGAL_ADMIN_KEY: ADMIN_KEY, ...options.env },
    upstreamA: {
      // The classify prompt carries the text after "Message: ": answer its gold label, as a perfect LLM would. A trailing
      // ` #n` (tests repeat a text that way without hitting the exact cache) is not part of the text.
      answer: (req) => gold.get((/Message: ([\s\S]*?)\n\nAnswer with/.exec(lastUserText(req))?.[1] ?? "").replace(/ #\d+$/, "")) ?? "exchange_rate",
      ...options.upstreamA,
    },
    config: {
      tasks: [{ name: "intents", kind: "classify", labels: TEST_LABELS, tiers: ["cache", "compact", "llm"], store_bodies: true }],
      ...options.config,
    },
  });
  const key = await gateway.createKey();
  const post = async (path: string, body: unknown, auth = key) => {
    const response = await fetch(`${gateway.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${auth}`, "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return { ...gateway, rows, key, post, ask: (text) => post("/v1/tasks/intents", { input: text }) };
}
