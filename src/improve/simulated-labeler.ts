/**
 * An openly simulated LLM labeler, for the improvement-loop benchmark when no LLM endpoint is configured: it answers the
 * gold label, flipped to another label (uniformly among the others) with the stated noise rate. Nothing about an LLM's
 * quality is measured through it: every figure it feeds carries `labeler: "simulated"` (the project's Provenance type
 * has no such member, and adding one would break the exhaustive maps over it), never `measured`.
 *
 * Deterministic per text: the flip and the replacement come from seeded hashes of the text, so asking twice gives the same
 * answer (as an LLM at temperature 0 would), and a run is reproducible whatever order requests arrive in.
 */
import { z } from "zod";
import { hashString } from "../compact/hashing.ts";
import { validateConfig } from "../core/config-file.ts";
import { FrugalError } from "../core/errors.ts";

export const SIMULATED = "simulated" as const;

const optionsSchema = z
  .object({
    labels: z.array(z.string()).min(2),
    /** Probability that an answer is a wrong label. */
    noise: z.number().min(0).max(1),
    seed: z.number().int().default(1),
  })
  .strict();

export type SimulatedLabelerOptions = z.input<typeof optionsSchema>;

export interface SimulatedAnswer {
  label: string;
  /** Whether the answer differs from the gold label (known only because this labeler is a simulation). */
  flipped: boolean;
  labeler: typeof SIMULATED;
}

export interface SimulatedLabeler {
  readonly labeler: typeof SIMULATED;
  readonly noise: number;
  /** The answer for `text`, whose true label is `gold`. */
  label(text: string, gold: string): SimulatedAnswer;
  /** Calls so far, and how many answers were flipped. */
  stats(): { calls: number; flipped: number; labeler: typeof SIMULATED };
}

const TWO_32 = 4294967296;

export function createSimulatedLabeler(input: SimulatedLabelerOptions): SimulatedLabeler {
  const { labels, noise, seed } = validateConfig(optionsSchema, input, "simulated labeler");
  const known = new Set(labels);
  let calls = 0;
  let flips = 0;
  return {
    labeler: SIMULATED,
    noise,
    label(text, gold) {
      if (!known.has(gold)) throw new FrugalError("input_invalid", `simulated labeler: "${gold}" is not one of the task's labels`);
      calls++;
      // Two independent hashes of the text: one decides the flip, the other picks the wrong label.
      const flipped = hashString(text, seed) / TWO_32 < noise;
      if (!flipped) return { label: gold, flipped: false, labeler: SIMULATED };
      flips++;
      const others = labels.filter((l) => l !== gold);
      const label = others[hashString(text, seed ^ 0x5bd1e995) % others.length] as string;
      return { label, flipped: true, labeler: SIMULATED };
    },
    stats: () => ({ calls, flipped: flips, labeler: SIMULATED }),
  };
}
