import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validateConfig } from "../core/config-file.ts";
import { FrugalError } from "../core/errors.ts";
import { gatewayConfigSchema } from "./config.ts";
import { PG_SCHEMES, redactUrl, resolveStoreUrl } from "./store-config.ts";
import { openGatewayStores } from "./stores.ts";

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

const configError = (pattern: RegExp, not?: string) => (e: unknown) =>
  e instanceof FrugalError && e.code === "config_invalid" && pattern.test(e.message) && (not === undefined || !e.message.includes(not));

test("store keys default to SQLite and memory, and take urls of the right scheme or ${ENV_VAR}", () => {
  const plain = validateConfig(gatewayConfigSchema, {}, "frugal.yaml");
  assert.deepEqual([plain.ledger.url, plain.keys.url, plain.counters.url, plain.cache.url], [undefined, undefined, undefined, undefined]);
  assert.equal(plain.counters.on_unavailable, "closed");
  assert.equal(plain.ledger.retention_days, 365);
  const shared = validateConfig(
    gatewayConfigSchema,
    { ledger: { url: "postgresql://frugal:pw@db:5432/frugal", spill_max_bytes: 1024 }, keys: { cache_ttl_ms: 500 }, counters: { url: "${REDIS_URL}", on_unavailable: "open" }, cache: { url: "rediss://cache:6380/0" } },
    "frugal.yaml",
  );
  assert.equal(shared.counters.url, "${REDIS_URL}");
  assert.equal(shared.keys.cache_ttl_ms, 500);
});

test("a url of the wrong scheme fails naming the key, never echoing the password", () => {
  const bad = (value: unknown, pattern: RegExp) => assert.throws(() => validateConfig(gatewayConfigSchema, value, "frugal.yaml"), configError(pattern, "s3cret"));
  bad({ ledger: { url: "mysql://root:s3cret@db/frugal" } }, /ledger\.url: expected a postgres:\/\/ or postgresql:\/\/ URL/);
  bad({ counters: { url: "postgres://u:s3cret@db/x" } }, /counters\.url: expected a redis:\/\/ or rediss:\/\/ URL/);
  bad({ cache: { url: "not a url s3cret" } }, /cache\.url/);
  bad({ keys: { url: "${lower-case}" } }, /keys\.url/);
  bad({ counters: { on_unavailable: "maybe" } }, /counters\.on_unavailable/);
});

test("${VAR}: resolved from the environment; unset or of the wrong scheme is a config error naming it", () => {
  assert.equal(resolveStoreUrl("${PG}", PG_SCHEMES, { PG: "postgres://u:p@h/db" }, "ledger.url"), "postgres://u:p@h/db");
  assert.throws(() => resolveStoreUrl("${PG}", PG_SCHEMES, {}, "ledger.url"), configError(/ledger\.url: environment variable PG is not set/));
  assert.throws(() => resolveStoreUrl("${PG}", PG_SCHEMES, { PG: "redis://u:s3cret@h" }, "ledger.url"), configError(/ledger\.url: \$PG is not a postgres/, "s3cret"));
  assert.equal(redactUrl("postgres://frugal:s3cret@db:5432/x"), "postgres://frugal:***@db:5432/x");
});

test("openGatewayStores: an unset variable fails before anything opens", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "frugal-stores-"));
  try {
    const config = validateConfig(gatewayConfigSchema, { counters: { url: "${FRUGAL_NO_SUCH_VAR}" } }, "frugal.yaml");
    await assert.rejects(openGatewayStores(config, { dataDir, env: {}, log: silent, purpose: "serve" }), configError(/counters\.url: environment variable FRUGAL_NO_SUCH_VAR is not set/));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
