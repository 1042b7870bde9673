import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { loadConfigFile, validateConfig } from "../core/config-file.ts";
import { FrugalError } from "../core/errors.ts";
import { gatewayConfigSchema } from "./config.ts";
import { demoConfig } from "./presets.ts";
import { gatewayJsonSchemaText } from "./schema.ts";

const root = new URL("../../", import.meta.url);

test("the example frugal.yaml is valid and keeps what it says", () => {
  const config = loadConfigFile(gatewayConfigSchema, new URL("examples/gateway/frugal.yaml", root).pathname);
  assert.equal(config.tasks[0]?.name, "banking77");
  assert.deepEqual(config.tasks[0]?.tiers, ["cache", "compact", "big-llm"]);
  assert.equal(config.route_policies["gpt-4o"]?.pii.policy, "local_only");
  assert.equal(config.server.body_limit_bytes, 1024 * 1024);
});

test("a bad frugal.yaml fails once, naming the key path", () => {
  const bad = (value: unknown, path: RegExp) =>
    assert.throws(
      () => validateConfig(gatewayConfigSchema, value, "frugal.yaml"),
      (e: unknown) => e instanceof FrugalError && e.code === "config_invalid" && path.test(e.message),
    );
  bad({ tasks: [{ name: "t", kind: "classify", labels: ["a", "b"], tiers: ["nope"] }] }, /tasks\[0\]\.tiers\[0\]: unknown tier "nope"/);
  bad({ tiers: { c: { kind: "cache" }, m: { kind: "compact", model: "m.frugal" } }, tasks: [{ name: "t", kind: "classify", tiers: ["m", "c"] }] }, /tasks\[0\]\.tiers\[1\]: a cache tier must come first/);
  bad({ upstreams: {}, routes: [{ name: "r", targets: [{ upstream: "x", model: "m" }] }] }, /routes\[0\]\.targets\[0\]\.upstream: unknown upstream "x"/);
  bad({ route_policies: { ghost: {} } }, /route_policies\.ghost: no route named "ghost"/);
  bad({ server: { port: 70000 } }, /server\.port/);
  bad({ tasks: [{ name: "t", kind: "classify", tiers: ["m"], pii: { policy: "maybe" } }], tiers: { m: { kind: "compact", model: "m" } } }, /tasks\[0\]\.pii\.policy/);
  bad({ passthrough: { upstream: "none" } }, /passthrough\.upstream: unknown upstream/);
});

test("--demo: the examples' two tasks; a passthrough upstream only when FRUGAL_LLM_BASE_URL is set", () => {
  const offline = validateConfig(gatewayConfigSchema, demoConfig({}, "/tmp/d").config, "--demo");
  assert.deepEqual(offline.tasks.map((t) => [t.name, t.kind]), [["banking77", "classify"], ["sroie", "extract"]]);
  assert.equal(offline.passthrough, undefined);
  const online = validateConfig(gatewayConfigSchema, demoConfig({ FRUGAL_LLM_BASE_URL: "http://127.0.0.1:9/v1" }, "/tmp/d").config, "--demo");
  assert.equal(online.passthrough?.upstream, "llm");
  assert.equal(online.upstreams.llm?.base_url, "http://127.0.0.1:9/v1");
});

test("schemas/frugal.schema.json is in sync with the zod schema (regenerate: node --import tsx scripts/write-schemas.ts)", () => {
  assert.equal(readFileSync(new URL("schemas/frugal.schema.json", root), "utf8"), gatewayJsonSchemaText());
});
