/**
 * Token counts for servers that omit `usage`: cl100k_base (js-tiktoken), with OpenAI's chat framing (3 tokens per message
 * plus 3 to prime the reply). A different model's tokenizer will count differently, which is why these counts are
 * `modeled`, never `measured`.
 */
import type { Tiktoken } from "js-tiktoken/lite";
import type { ChatMessage } from "../types.ts";

// Loading the rank table takes ~0.5-1 s and ~10 MB, so it happens on first need only, and once per process: the encoder
// is an immutable lookup table, safe to share between providers.
let encoder: Promise<Tiktoken> | undefined;

function loadEncoder(): Promise<Tiktoken> {
  encoder ??= (async () => {
    const [{ Tiktoken: Encoder }, ranks] = await Promise.all([import("js-tiktoken/lite"), import("js-tiktoken/ranks/cl100k_base")]);
    return new Encoder(ranks.default);
  })();
  return encoder;
}

export interface ModeledTokens {
  inputTokens: number;
  outputTokens: number;
}

export async function countChatTokens(messages: ChatMessage[], output: string): Promise<ModeledTokens> {
  const enc = await loadEncoder();
  // Text such as "<|endoftext|>" in a user's document is plain text here: by default js-tiktoken would throw on it.
  const count = (text: string): number => (text === "" ? 0 : enc.encode(text, [], []).length);
  let inputTokens = 3;
  for (const message of messages) inputTokens += 3 + count(message.role) + count(message.content);
  return { inputTokens, outputTokens: count(output) };
}
