import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startFakeOpenAiServer, type FakeOpenAiServer } from "../../test/fixtures/fake-openai-server.ts";
import { exportJsonSchema } from "../core/config-file.ts";
import { createLlamaModelPool, createProvider, providerConfigSchema } from "./index.ts";

const TINY = "test/fixtures/tiny-gguf/llama-2-tiny-random.gguf";

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
    assert.match(json, /"llama-cpp"/);
    assert.match(json, /modelPath/);
  });
});

describe("createProvider: llama-cpp", () => {
  it("builds a local GGUF provider from a config entry, on a pool passed in", async () => {
    const pool = createLlamaModelPool();
    const provider = createProvider({ type: "llama-cpp", modelPath: TINY, threads: 1, contextSize: 256, maxConcurrency: 1, seed: 5 }, { pool });
    try {
      assert.equal(provider.id, `llama-cpp:${TINY}`);
      assert.equal(provider.model, "llama-2-tiny-random");
      const result = await provider.chat({ messages: [{ role: "user", content: "hi" }], maxTokens: 2 });
      assert.ok(result.usage.outputTokens > 0);
      assert.equal(pool.stats().modelLoads, 1);
    } finally {
      await provider.close();
      await pool.close();
    }
  });

  it("rejects a bad llama-cpp entry with the key path, before loading anything", () => {
    assert.throws(() => createProvider({ type: "llama-cpp" } as never), { code: "config_invalid", message: /modelPath/ });
    assert.throws(() => createProvider({ type: "llama-cpp", modelPath: "m.gguf", gpu: "cuda" } as never), { code: "config_invalid", message: /gpu/ });
    assert.throws(() => createProvider({ type: "llama-cpp", modelPath: "m.gguf", maxConcurrency: 0 }), { code: "config_invalid", message: /maxConcurrency/ });
    assert.throws(() => createProvider({ type: "llama-cpp", modelPath: "m.gguf", apiKeyEnv: "K" } as never), { code: "config_invalid", message: /apiKeyEnv/ });
  });

  it("importing the providers never loads node-llama-cpp: outside tests it is only a type import or a dynamic import()", () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) files.push(path);
      }
    };
    walk("src/providers");
    const staticImport = /^\s*(import|export)\s+(?!type\s)[^;]*?from\s+["']node-llama-cpp["']/m;
    const offenders = files.filter((file) => staticImport.test(readFileSync(file, "utf8")));
    assert.ok(files.length > 10);
    assert.deepEqual(offenders, []);
  });
});
