import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FrugalError } from "../core/errors.ts";
import { closeMatches, editDistance } from "./close-matches.ts";
import { priceDateSchema } from "./config.ts";
import { BUILTIN_PRICE_CATALOG } from "./price-catalog-data.ts";
import { createPriceIndex, daysSince, loadPriceCatalogFile, stripVersionSuffix } from "./price-catalog.ts";
import type { PriceCatalog } from "./types.ts";

const isConfigError = (text: string) => (e: unknown) => e instanceof FrugalError && e.code === "config_invalid" && e.message.includes(text);

test("every built-in row has a source page, a date and positive prices", () => {
  assert.ok(priceDateSchema.safeParse(BUILTIN_PRICE_CATALOG.catalogVersion).success);
  assert.ok(BUILTIN_PRICE_CATALOG.rows.length >= 20);
  for (const row of BUILTIN_PRICE_CATALOG.rows) {
    const label = `${row.provider}/${row.model}`;
    assert.match(row.source, /^https:\/\/\S+\.\S+/, `${label}: source`);
    assert.ok(priceDateSchema.safeParse(row.asOf).success, `${label}: asOf ${row.asOf}`);
    assert.ok(row.asOf <= BUILTIN_PRICE_CATALOG.catalogVersion, `${label}: asOf after the catalog version`);
    assert.ok(row.inputUsdPer1M > 0 && row.outputUsdPer1M > 0, `${label}: prices`);
    assert.ok(row.outputUsdPer1M >= row.inputUsdPer1M, `${label}: output cheaper than input is a typo`);
  }
  const ids = BUILTIN_PRICE_CATALOG.rows.map((r) => `${r.provider}/${r.model}`);
  assert.equal(new Set(ids).size, ids.length, "duplicate catalog ids");
});

test("the catalog covers the models the brief names", () => {
  const index = createPriceIndex(BUILTIN_PRICE_CATALOG);
  for (const name of ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o3", "o4-mini", "claude-sonnet-4", "claude-3-5-haiku", "mistral-large-latest", "mistral-small-latest", "azure-openai/gpt-4o", "groq/llama-3.1-8b-instant", "together/meta-llama/meta-llama-3.1-70b-instruct-turbo"]) {
    assert.ok(index.resolve(name).inputUsdPer1M > 0, name);
  }
});

test("names resolve by id, bare name, alias, case and dated snapshot", () => {
  const index = createPriceIndex(BUILTIN_PRICE_CATALOG);
  assert.equal(index.resolve("openai/gpt-4o").id, "openai/gpt-4o");
  assert.equal(index.resolve("gpt-4o-2024-08-06").id, "openai/gpt-4o");
  assert.equal(index.resolve("claude-3-5-haiku-20241022").id, "anthropic/claude-3-5-haiku");
  assert.equal(index.resolve("Meta-Llama/Meta-Llama-3.1-70B-Instruct-Turbo").id, "together/meta-llama/meta-llama-3.1-70b-instruct-turbo");
  assert.equal(index.resolve("llama-v3p1-8b-instruct").id, "fireworks/accounts/fireworks/models/llama-v3p1-8b-instruct");
  assert.equal(index.resolve("mistral-large").outputUsdPer1M, 6);
  // gpt-4o is sold by OpenAI and Azure at the same price: a bare name is not ambiguous then.
  assert.equal(index.resolve("gpt-4o").inputUsdPer1M, 2.5);
  assert.equal(stripVersionSuffix("mistral-large-latest"), "mistral-large");
});

test("a name two providers price differently must be qualified", () => {
  const catalog: PriceCatalog = {
    catalogVersion: "2025-06",
    basis: "test",
    rows: [
      { provider: "a", model: "llama-x", inputUsdPer1M: 1, outputUsdPer1M: 1, source: "https://a.example", asOf: "2025-06" },
      { provider: "b", model: "llama-x", inputUsdPer1M: 2, outputUsdPer1M: 2, source: "https://b.example", asOf: "2025-06" },
    ],
  };
  const index = createPriceIndex(catalog);
  assert.throws(() => index.resolve("llama-x"), isConfigError("a/llama-x, b/llama-x"));
  assert.equal(index.resolve("b/llama-x").inputUsdPer1M, 2);
});

test("an unknown model fails with close matches, never a zero", () => {
  const index = createPriceIndex(BUILTIN_PRICE_CATALOG);
  assert.throws(() => index.resolve("gpt4o-mini"), (e: unknown) => {
    assert.ok(e instanceof FrugalError && e.code === "config_invalid");
    assert.match(e.message, /no price for model "gpt4o-mini"/);
    assert.match(e.message, /close matches: .*gpt-4o-mini/);
    assert.match(e.message, /prices\.overrides/);
    return true;
  });
  assert.throws(() => index.resolve("qwen-zz-9000"), isConfigError("no price"));
});

test("overrides win over the catalog under any of the row's names", () => {
  const index = createPriceIndex(BUILTIN_PRICE_CATALOG, [
    { model: "gpt-4o", input_usd_per_1m: 1, output_usd_per_1m: 4, source: "negotiated", date: "2026-01" },
    { model: "my-vllm-70b", input_usd_per_1m: 0, output_usd_per_1m: 0 },
  ]);
  for (const name of ["gpt-4o", "openai/gpt-4o", "GPT-4o-2024-11-20"]) {
    const row = index.resolve(name);
    assert.equal(row.origin, "override", name);
    assert.equal(row.inputUsdPer1M, 1);
    assert.equal(row.source, "negotiated");
  }
  assert.equal(index.resolve("gpt-4o-mini").origin, "catalog");
  assert.equal(index.resolve("my-vllm-70b").asOf, "undated");
  const listed = index.list();
  assert.equal(listed.length, BUILTIN_PRICE_CATALOG.rows.length + 1 - 1, "openai/gpt-4o and azure-openai/gpt-4o collapse into the override");
  assert.equal(listed.filter((r) => r.origin === "override").length, 2);
  assert.equal(listed[listed.length - 1]?.id, "my-vllm-70b");
});

test("a catalog file loads, and a row without a source is rejected with its key path", () => {
  const dir = mkdtempSync(join(tmpdir(), "frugal-prices-"));
  const good = join(dir, "prices.yaml");
  writeFileSync(good, "catalog_version: 2026-02-01\nmodels:\n  - provider: acme\n    model: acme-large\n    input_usd_per_1m: 1.5\n    output_usd_per_1m: 3\n    source: https://acme.example/pricing\n    as_of: 2026-02-01\n");
  const catalog = loadPriceCatalogFile(good);
  assert.equal(catalog.catalogVersion, "2026-02-01");
  assert.equal(createPriceIndex(catalog).resolve("acme-large").outputUsdPer1M, 3);
  const bad = join(dir, "bad.yaml");
  writeFileSync(bad, "catalog_version: 2026-02\nmodels:\n  - provider: acme\n    model: x\n    input_usd_per_1m: 1\n    output_usd_per_1m: 1\n    as_of: 2026-02\n");
  assert.throws(() => loadPriceCatalogFile(bad), isConfigError("models[0].source"));
});

test("close matches rank containment first, then edit distance", () => {
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("", "abc"), 3);
  assert.deepEqual(closeMatches("gpt-4o", ["gpt-4o-mini", "gpt-4.1", "claude-3-5-haiku"], { limit: 2 }), ["gpt-4o-mini", "gpt-4.1"]);
  assert.deepEqual(closeMatches("zzzz", ["gpt-4o"]), []);
});

test("catalog age is counted in days from the version date", () => {
  assert.equal(daysSince("2025-10", new Date(Date.UTC(2025, 9, 11))), 10);
  assert.equal(daysSince("2025-10-05", new Date(Date.UTC(2025, 9, 11))), 6);
  assert.equal(daysSince("soon", new Date()), null);
});
