/**
 * The backend-neutral provider contract (src/providers/contract.ts) against a real GGUF on the CPU. One shared pool keeps
 * it to one model load: the contract makes a second provider for its close test, and it reuses the loaded model.
 */
import { after } from "node:test";
import { runProviderContract } from "../contract.ts";
import { createLlamaCppProvider, createLlamaModelPool } from "./index.ts";

const pool = createLlamaModelPool();
after(() => pool.close());

runProviderContract(
  "llama-cpp (tiny GGUF, CPU)",
  () => createLlamaCppProvider({ modelPath: "test/fixtures/tiny-gguf/llama-2-tiny-random.gguf", pool, threads: 1, contextSize: 512, maxConcurrency: 2 }),
  { maxTokens: 8, jsonMaxTokens: 48 },
);
