/**
 * A local OpenAI-compatible stand-in upstream, for trying `frugal serve` without an LLM (none can run on a laptop CPU at
 * useful speed): `node --import tsx scripts/fake-upstream.ts --port 18080`, then
 * `FRUGAL_LLM_BASE_URL=http://127.0.0.1:18080/v1 npx frugal serve --demo`. It answers every chat request with a fixed
 * sentence (or `--answer TEXT`), streams when asked and reports usage; it is test/fixtures/fake-openai-server.ts.
 */
import { startFakeOpenAiServer } from "../test/fixtures/fake-openai-server.ts";

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const server = await startFakeOpenAiServer({ port: Number(arg("--port") ?? 18080), ...(arg("--answer") !== undefined ? { answer: arg("--answer") as string } : {}) });
process.stdout.write(`fake upstream on ${server.url}\n`);
const stop = () => void server.close().then(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
