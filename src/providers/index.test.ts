import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startFakeOpenAiServer, type FakeOpenAiServer } from "../../test/fixtures/fake-openai-server.ts";
import { exportJsonSchema } from "../core/config-file.ts";
import { createProvider, providerConfigSchema } from "./index.ts";

describe("createProvider", () => {
  let server: FakeOpenAiServer;
  before(async () => {
    server = await startFakeOpenAiServer({ apiKey: "sk-from-env" });
  });
  after(async () => {
    await server.close();
  });

  it("builds an openai-compatible provider, reading the key from the named environment variable", async () => {
    const provider = createProvider(
      { type: "openai-compatible", baseUrl: server.url, model: "fake-model", apiKeyEnv: "FAKE_KEY" },
      { env: { FAKE_KEY: "sk-from-env" } },
    );
    try {
      assert.equal(provider.id, `openai-compatible:${server.url}`);
      const result = await provider.chat({ messages: [{ role: "user", content: "hi" }] });
      assert.ok(result.text.length > 0);
      assert.equal(server.requests.at(-1)?.headers.authorization, "Bearer sk-from-env");
    } finally {
      await provider.close();
    }
  });

  it("fails with config_invalid when the named variable is unset, without a key in the message", () => {
    assert.throws(
      () => createProvider({ type: "openai-compatible", baseUrl: server.url, model: "m", apiKeyEnv: "NOPE_KEY" }, { env: {}, source: "frugal.yaml: tiers[1]" }),
      { code: "config_invalid", message: "frugal.yaml: tiers[1]: apiKeyEnv names NOPE_KEY, which is not set in the environment" },
    );
  });

  it("rejects unknown types, unknown keys and bad values with the key path", () => {
    assert.throws(() => createProvider({ type: "nope" } as never), { code: "config_invalid", message: /type/ });
    assert.throws(() => createProvider({ type: "openai-compatible", baseUrl: server.url, model: "m", apiKey: "inline" } as never), {
      code: "config_invalid",
      message: /apiKey/,
    });
    assert.throws(() => createProvider({ type: "openai-compatible", baseUrl: server.url, model: "m", timeoutMs: 0 }), {
      code: "config_invalid",
      message: /timeoutMs/,
    });
  });

  it("exports a JSON Schema for editors", () => {
    const json = JSON.stringify(exportJsonSchema(providerConfigSchema, "frugal-provider"));
    assert.match(json, /"openai-compatible"/);
    assert.match(json, /apiKeyEnv/);
  });
});
