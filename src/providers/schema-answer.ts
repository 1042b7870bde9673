/**
 * The one rule every provider applies to a schema-constrained request (issue 4: "an LLM answer that fails the schema: it
 * is asked again once, then counted as an error"): check the answer (json-schema-check.ts); when it is invalid, generate
 * once more, letting the backend change what it can (another seed, a stricter sampler); when that fails too, throw
 * `schema_violation`, not retryable, carrying the attempts and the tokens spent. A caller never receives an invalid answer
 * as a success.
 *
 * An answer cut by maxTokens (finishReason "length") is invalid like any other: it is asked again once, and the error
 * says to raise maxTokens.
 */
import { extend } from "../core/objects.ts";
import { FrugalError } from "../core/errors.ts";
import { checkJsonAnswer } from "./json-schema-check.ts";
import type { ChatRequest, ChatResult, ChatUsage, JsonSchemaFormat } from "./types.ts";

/** One generation as a provider produced it, before the schema check. */
export interface Generated {
  text: string;
  finishReason: ChatResult["finishReason"];
  usage: ChatUsage;
  /** Requests this generation took (transport retries included). */
  attempts: number;
  computeMs?: number;
}

/** Generations per schema-constrained call: the first, and the one re-generation. */
const SCHEMA_GENERATIONS = 2;

function addUsage(a: ChatUsage, b: ChatUsage): ChatUsage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    // A sum is only as measured as its least measured part.
    provenance: a.provenance === "measured" ? b.provenance : a.provenance,
  };
}

/** `later` with usage, attempts and compute time covering both generations. */
function spentOnBoth<G extends Generated>(earlier: Generated, later: G): G {
  const total: G = extend(later, { usage: addUsage(earlier.usage, later.usage), attempts: earlier.attempts + later.attempts }) as G;
  if (earlier.computeMs !== undefined || later.computeMs !== undefined) total.computeMs = (earlier.computeMs ?? 0) + (later.computeMs ?? 0);
  return total;
}

/** `last`: the final generation, carrying the usage, attempts and compute time of every generation before it too. */
function violation(source: string, format: JsonSchemaFormat, last: Generated, problems: string[], generations: number): FrugalError {
  const cut = last.finishReason === "length" ? " (the answer was cut by maxTokens: raise it)" : "";
  const tries = generations === 1 ? "a streamed answer" : `${generations} generations`;
  return new FrugalError("schema_violation", `${source}: ${tries} did not fit the JSON schema "${format.name}"${cut}: ${problems.slice(0, 3).join("; ")}`, {
    // Retrying helps only where the provider could not ask again itself (a stream whose text was already handed out).
    retryable: generations === 1,
    details: {
      attempts: last.attempts,
      generations,
      problems,
      finishReason: last.finishReason,
      text: last.text.slice(0, 200),
      usage: last.usage,
      ...(last.computeMs === undefined ? {} : { computeMs: last.computeMs }),
    },
  });
}

/**
 * Runs `generate(false)`, and `generate(true)` once more when the answer fails `request.jsonSchema`. Without a schema, the
 * first generation is returned as it is. With one, the returned text is the checked JSON.
 */
export async function generateValid<G extends Generated>(request: ChatRequest, source: string, generate: (again: boolean) => Promise<G>): Promise<G> {
  const format = request.jsonSchema;
  const first = await generate(false);
  if (format === undefined) return first;
  const checked = checkJsonAnswer(first.text, format.schema);
  if (checked.ok) return { ...first, text: checked.json };
  const second = spentOnBoth(first, await generate(true));
  const rechecked = checkJsonAnswer(second.text, format.schema);
  if (rechecked.ok) return { ...second, text: rechecked.json };
  throw violation(source, format, second, rechecked.problems, SCHEMA_GENERATIONS);
}

/**
 * The end of a schema-constrained stream: its deltas were already handed out, so it cannot be generated again here. An
 * invalid answer ends the stream with `schema_violation` (retryable: the caller may ask again) instead of a finish part.
 */
export function checkStreamedAnswer(request: ChatRequest, source: string, streamed: Generated): void {
  const format = request.jsonSchema;
  if (format === undefined) return;
  const checked = checkJsonAnswer(streamed.text, format.schema);
  if (!checked.ok) throw violation(source, format, streamed, checked.problems, 1);
}

/** The seed of the re-generation: a different one, so a seeded backend does not repeat the invalid answer. */
export function nextSeed(seed: number | undefined): number | undefined {
  return seed === undefined ? undefined : (seed + 1) >>> 0;
}
