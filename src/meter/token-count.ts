/**
 * Token counting for when a provider returns no usage (a modeled tier, a server that omits `usage`, a stream cut short).
 * OpenAI models get their own tokenizer (exact for them); every other model gets cl100k_base as an approximation — its
 * counts are within tens of percent of Llama/Mistral tokenizers on English text, which is why they are `modeled`.
 */
import { createRequire } from "node:module";
import { Tiktoken, type TiktokenBPE } from "js-tiktoken/lite";

export type TokenEncoding = "cl100k_base" | "o200k_base";

export interface TokenCount {
  tokens: number;
  encoding: TokenEncoding;
  /** Always modeled: a tokenizer run here, not the provider's own count. */
  provenance: "modeled";
}

// The rank tables are 1-2 MB each and parsing one costs ~100 ms: load them lazily and synchronously (require), and keep
// each encoder once per process. This cache memoizes immutable, deterministic objects; it holds no state that changes
// what any caller sees, which is why it can live at module level.
const require = createRequire(import.meta.url);
const encoders = new Map<TokenEncoding, Tiktoken>();

function encoder(encoding: TokenEncoding): Tiktoken {
  let enc = encoders.get(encoding);
  if (enc === undefined) {
    const ranks = require(`js-tiktoken/ranks/${encoding}`) as TiktokenBPE;
    enc = new Tiktoken(ranks);
    encoders.set(encoding, enc);
  }
  return enc;
}

/** The tokenizer of an OpenAI model; cl100k_base (approximate) for anything else. */
export function encodingForModel(model: string): { encoding: TokenEncoding; exact: boolean } {
  const bare = model.trim().toLowerCase().split("/").pop() ?? "";
  if (/^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1|o3|o4|chatgpt-4o)/.test(bare)) return { encoding: "o200k_base", exact: true };
  if (/^(gpt-4|gpt-3\.5|gpt-35|text-embedding-3|text-embedding-ada)/.test(bare)) return { encoding: "cl100k_base", exact: true };
  return { encoding: "cl100k_base", exact: false };
}

/**
 * Counts the tokens of `text`. Special-token strings ("<|endoftext|>") in user text are counted as plain text rather than
 * throwing, because the text is data, not a control sequence.
 */
export function countTokens(text: string, encoding: TokenEncoding = "o200k_base"): number {
  if (text.length === 0) return 0;
  return encoder(encoding).encode(text, [], []).length;
}

/** Counts with the tokenizer that fits `model`, saying which one was used. */
export function countTokensForModel(text: string, model: string): TokenCount {
  const { encoding } = encodingForModel(model);
  return { tokens: countTokens(text, encoding), encoding, provenance: "modeled" };
}

/**
 * Prompt tokens of a chat request, counted the way OpenAI documents its chat format: each message costs its content plus
 * ~3 tokens of framing (role and separators), and the reply is primed with 3 more.
 */
export function countChatTokens(messages: ReadonlyArray<{ role: string; content: string }>, model: string): TokenCount {
  const { encoding } = encodingForModel(model);
  let tokens = 3;
  for (const m of messages) tokens += 3 + countTokens(m.role, encoding) + countTokens(m.content, encoding);
  return { tokens, encoding, provenance: "modeled" };
}
