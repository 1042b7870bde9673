import { after, before } from "node:test";
import { startFakeOpenAiServer, type FakeOpenAiServer } from "../../../test/fixtures/fake-openai-server.ts";
import { runProviderContract } from "../contract.ts";
import { createOpenAiCompatibleProvider } from "./index.ts";

// Two servers: one that streams slowly enough for the mid-stream abort to land between deltas, one without usage so the
// contract also holds when token counts are modeled.
let server: FakeOpenAiServer;
let noUsage: FakeOpenAiServer;
before(async () => {
  server = await startFakeOpenAiServer({ chunkDelayMs: 2 });
  noUsage = await startFakeOpenAiServer({ usage: false, logprobs: false });
});
after(async () => {
  await server.close();
  await noUsage.close();
});

runProviderContract("openai-compatible (fake server)", () => createOpenAiCompatibleProvider({ baseUrl: server.url, model: "fake-model" }), {
  logprobs: true,
});

runProviderContract(
  "openai-compatible (fake server without usage)",
  () => createOpenAiCompatibleProvider({ baseUrl: noUsage.url, model: "fake-model", supportsLogprobs: false }),
);
