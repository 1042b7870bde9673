import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { exportJsonSchema } from "../core/config-file.ts";
import { isFrugalError } from "../core/errors.ts";
import { relayConfigSchema, resolveApiKeys, validateRelayConfig } from "./config.ts";
import { createRelay } from "./relay.ts";

const upstreams = {
  openai: { base_url: "https://api.openai.com/v1", api_key_env: "OPENAI_API_KEY", region: "us-east", connections: 64 },
  local: { base_url: "http://127.0.0.1:8000/v1", region: "eu-west-3", on_prem: true },
};
const routes = [
  {
    name: "gpt-4o",
    strategy: "weighted" as const,
    targets: [
      { upstream: "openai", model: "gpt-4o", weight: 3 },
      { upstream: "local", model: "llama-3.1-70b", weight: 1 },
    ],
    retries: 1,
    timeouts_ms: { connect: 2000, first_byte: 15000, total: 60000 },
    breaker: { failures: 5, window_s: 30, cooldown_s: 15 },
  },
];

function configError(keyPath: string, pattern: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(isFrugalError(error), String(error));
    assert.equal(error.code, "config_invalid");
    assert.equal(error.details.keyPath, keyPath);
    assert.match(error.message, pattern);
    return true;
  };
}

describe("relay config", () => {
  it("accepts the documented example and fills defaults", () => {
    const config = validateRelayConfig({ upstreams, routes: [...routes, { name: "cheap", targets: [{ upstream: "local", model: "qwen" }] }] });
    const cheap = config.routes[1];
    assert.equal(cheap?.strategy, "fallback");
    assert.equal(cheap?.retries, 1);
    assert.deepEqual(cheap?.timeouts_ms, { connect: 2000, first_byte: 15000, total: 60000 });
    assert.deepEqual(cheap?.breaker, { failures: 5, window_s: 30, cooldown_s: 15 });
    assert.equal(cheap?.targets[0]?.weight, 1);
    assert.equal(config.upstreams.local?.connections, 64);
    assert.equal(config.upstreams.openai?.on_prem, false);
  });

  it("names the key path of an unknown upstream and of a duplicate route", () => {
    const bad = [{ ...routes[0], targets: [{ upstream: "openai", model: "a" }, { upstream: "azure", model: "b" }] }];
    assert.throws(() => validateRelayConfig({ upstreams, routes: bad }, "frugal.yaml"), configError("routes[0].targets[1].upstream", /^frugal\.yaml: .*unknown upstream "azure"/));
    const twice = [routes[0], { name: "gpt-4o", targets: [{ upstream: "local", model: "x" }] }];
    assert.throws(() => validateRelayConfig({ upstreams, routes: twice }), configError("routes[1].name", /duplicate route "gpt-4o"/));
  });

  it("rejects unknown keys, empty target lists and bad values", () => {
    assert.throws(() => validateRelayConfig({ upstreams: { a: { base_url: "http://x/v1", api_key: "sk-1" } }, routes: [] }), configError("upstreams.a", /api_key/));
    assert.throws(() => validateRelayConfig({ upstreams, routes: [{ name: "r", targets: [] }] }), configError("routes[0].targets", /./));
    assert.throws(() => validateRelayConfig({ upstreams: { a: { base_url: "ftp://x" } }, routes: [] }), configError("upstreams.a.base_url", /./));
    assert.throws(() => validateRelayConfig({ upstreams, routes: [{ ...routes[0], strategy: "random" }] }), configError("routes[0].strategy", /./));
  });

  it("reads keys from the environment only, and fails on a named but unset variable without showing values", () => {
    const parsed = validateRelayConfig({ upstreams, routes });
    assert.equal(resolveApiKeys(parsed.upstreams, { OPENAI_API_KEY: " sk-live-1 " }, "frugal.yaml").get("openai"), "sk-live-1");
    assert.throws(() => resolveApiKeys(parsed.upstreams, { OPENAI_API_KEY: "" }, "frugal.yaml"), configError("upstreams.openai.api_key_env", /OPENAI_API_KEY is not set/));
    assert.throws(() => createRelay({ upstreams, routes, env: {} }), configError("upstreams.openai.api_key_env", /OPENAI_API_KEY/));
  });

  it("exports a JSON Schema with the strict shapes", () => {
    const schema = exportJsonSchema(relayConfigSchema, "relay") as { properties: Record<string, { additionalProperties?: { additionalProperties?: unknown; properties?: Record<string, unknown> } }> };
    const upstream = schema.properties.upstreams?.additionalProperties;
    assert.equal(upstream?.additionalProperties, false);
    assert.ok(upstream?.properties?.base_url !== undefined && upstream.properties.api_key_env !== undefined);
  });

  it("a relay exposes its routes' targets with their placement", async () => {
    const relay = createRelay({ upstreams, routes, env: { OPENAI_API_KEY: "sk-1" } });
    try {
      assert.deepEqual(relay.route("gpt-4o")?.targets, [
        { upstream: "openai", model: "gpt-4o", region: "us-east", onPrem: false },
        { upstream: "local", model: "llama-3.1-70b", region: "eu-west-3", onPrem: true },
      ]);
      assert.deepEqual(
        relay.breakerStates().map((b) => [b.upstream, b.state]),
        [
          ["openai", "closed"],
          ["local", "closed"],
        ],
      );
    } finally {
      await relay.close();
    }
  });
});
