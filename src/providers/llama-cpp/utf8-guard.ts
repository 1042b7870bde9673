/**
 * Keeps schema-constrained answers valid UTF-8 on SentencePiece vocabularies (Llama 2, Mistral, Gemma...), where a
 * character missing from the vocabulary is spelled with byte tokens `<0x00>`..`<0xFF>`.
 *
 * Why it is needed: llama.cpp's grammar decodes those bytes without validating them (3.21.1's decode_utf8 accepts any lead
 * byte 0xC0-0xFF and checks neither overlong forms, surrogates nor the U+10FFFF limit), so `{"maxLength": 40}` can be met
 * by 40 "code points" of which one is `F7 A9 80 80`; the text then decodes to four U+FFFD and 43 characters. Seen with the
 * tiny random model at temperature 1.3 (issue 4's flaky test).
 *
 * What it does, with node-llama-cpp's public TokenBias ("never" = the sampler drops the token):
 *   - relaxed (first generation): bans the byte tokens that can never occur in UTF-8 (C0, C1, F5-FF) and the tokens that
 *     spell U+FFFD itself. Byte tokens for every valid character stay allowed, so a Thai or Hangul name not in the
 *     vocabulary can still be written.
 *   - strict (the one re-generation after an invalid answer): also bans the lead bytes whose validity depends on the next
 *     byte (E0, ED, F0, F4). With those gone, any continuation the grammar allows completes a valid character, so the
 *     second answer cannot hold invalid bytes; the price is that characters U+0800-U+0FFF, U+D000-U+D7FF and above
 *     U+FFFF can only come from whole vocabulary tokens, for that one generation.
 * A sampler-level rule per context (ban 80-9F after E0...) would be exact, but node-llama-cpp calls the bias function
 * before it tells anyone which token was sampled last, so no exact per-token state is available.
 *
 * Other vocabularies (byte-level BPE: Llama 3, Qwen) have no byte tokens and many tokens that are partial UTF-8 by design;
 * there the guard bans nothing and the answer check (json-schema-check.ts) is the defence.
 */
import type { LlamaModel, Token, TokenBias } from "node-llama-cpp";

export interface Utf8Guard {
  /** The bias for a schema-constrained generation; undefined when the vocabulary has no SentencePiece byte tokens. */
  bias(strict: boolean): TokenBias | undefined;
  /** How many tokens each mode bans (0 when the guard is off): for tests and reports. */
  readonly banned: { relaxed: number; strict: number };
}

const NEVER_VALID_BYTES = [0xc0, 0xc1, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff];
const CONTEXT_DEPENDENT_LEADS = [0xe0, 0xed, 0xf0, 0xf4];
/** Private-use characters no vocabulary spells whole: U+F0000 = F3 B0 80 80, U+10FFFD = F4 8F BF BD. */
const PROBE = "\u{F0000}\u{10FFFD}";
const PROBE_BYTES = [0xf3, 0xb0, 0x80, 0x80, 0xf4, 0x8f, 0xbf, 0xbd];

const OFF: Utf8Guard = { bias: () => undefined, banned: { relaxed: 0, strict: 0 } };

/**
 * The byte tokens in byte order, when the vocabulary has SentencePiece's 256 byte pieces in id order (how SentencePiece
 * writes them); checked against how the model spells a probe, since the public API does not expose a token's bytes.
 */
function byteTokensOf(model: LlamaModel): Token[] | undefined {
  const bytes: Token[] = [];
  for (const token of model.iterateAllTokens()) if (model.getTokenAttributes(token).byte) bytes.push(token);
  if (bytes.length !== 256) return undefined;
  const spelled = model.tokenize(PROBE).filter((t) => model.getTokenAttributes(t).byte);
  const expected = PROBE_BYTES.map((b) => bytes[b]);
  return spelled.length === expected.length && spelled.every((t, i) => t === expected[i]) ? bytes : undefined;
}

export async function createUtf8Guard(model: LlamaModel): Promise<Utf8Guard> {
  const bytes = byteTokensOf(model);
  if (bytes === undefined) return OFF;
  // Whole tokens that are U+FFFD (Llama 2 has two): valid UTF-8, but indistinguishable from a decoding error in the answer.
  const replacement: Token[] = [];
  for (const token of model.iterateAllTokens()) {
    if (!model.getTokenAttributes(token).byte && model.detokenize([token]).includes("\uFFFD")) replacement.push(token);
  }
  const relaxedTokens = [...NEVER_VALID_BYTES.map((b) => bytes[b] as Token), ...replacement];
  const strictTokens = [...relaxedTokens, ...CONTEXT_DEPENDENT_LEADS.map((b) => bytes[b] as Token)];
  const { TokenBias: Bias } = await import("node-llama-cpp");
  const make = (tokens: Token[]): TokenBias => {
    const bias = new Bias(model.tokenizer);
    for (const token of tokens) bias.set(token, "never");
    return bias;
  };
  const relaxed = make(relaxedTokens);
  const strict = make(strictTokens);
  return { bias: (isStrict) => (isStrict ? strict : relaxed), banned: { relaxed: relaxedTokens.length, strict: strictTokens.length } };
}
