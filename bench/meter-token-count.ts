/**
 * Measured cost of the meter's token counting (js-tiktoken, used when a provider returns no usage): the one-time encoder
 * load and the counting rate on BANKING77 test texts. No peer: js-tiktoken is the only tokenizer in the dependency set.
 *
 *   node --import tsx bench/meter-token-count.ts [--n 3000]
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { readLabeledTexts } from "../src/data/labeled-texts.ts";
import { countTokens, type TokenEncoding } from "../src/meter/token-count.ts";

const { values } = parseArgs({ options: { n: { type: "string", default: "3000" } } });
const texts = readLabeledTexts("examples/banking77/test.csv").examples.slice(0, Number(values.n)).map((e) => e.text);
const figures: Record<string, unknown> = {};
for (const encoding of ["cl100k_base", "o200k_base"] as TokenEncoding[]) {
  let t = performance.now();
  countTokens("warm-up", encoding);
  const loadMs = performance.now() - t;
  t = performance.now();
  let tokens = 0;
  for (const text of texts) tokens += countTokens(text, encoding);
  const ms = performance.now() - t;
  figures[encoding] = { provenance: "measured", encoder_load_ms: Math.round(loadMs), texts: texts.length, tokens, count_ms: Math.round(ms), texts_per_s: Math.round(texts.length / (ms / 1000)) };
}
process.stdout.write(`${JSON.stringify({ bench: "meter-token-count", figures, conditions: { loadavg: loadavg().map((x) => Number(x.toFixed(2))), date: new Date().toISOString() } }, null, 2)}\n`);
