/**
 * `tasks[].audit` in frugal.yaml: background checks of the answers a task's compact tier kept, and the drift guard that
 * acts on them. Off unless the block is present. Snake case like the rest of the file; the auditor reads it as is.
 */
import { z } from "zod";
import { positiveInt } from "../../pipeline/config.ts";

export const auditSchema = z
  .object({
    /** Share of kept compact answers also sent to the task's LLM tier, in the background, after the answer left. */
    rate: z.number().gt(0).max(1).default(0.02),
    /**
     * The share sampled while the guard is tripped (default: 5 × rate, at most 1): more evidence while the served threshold
     * is raised, so the estimate recovers sooner.
     */
    tripped_rate: z.number().gt(0).max(1).optional(),
    /** ε the kept answers are held to. Default: the ε the compact model's threshold was certified at (its model file). */
    epsilon: z.number().gt(0).lt(1).optional(),
    /** The estimate and the guard read the last `window` audits. */
    window: positiveInt.default(500),
    /** No trip (and no clear) on fewer audits than this. */
    min_samples: positiveInt.default(50),
    /**
     * When the guard trips every request goes to the LLM tier. raise_threshold: as soon as the audits since the trip
     * certify a threshold at ε, that threshold is served (a raised one); escalate_all: everything escalates until the
     * guard clears or is reset.
     */
    action: z.enum(["raise_threshold", "escalate_all"]).default("raise_threshold"),
    /** Background LLM calls at once, per task; an audit sampled while this many run is dropped (and counted). */
    max_in_flight: positiveInt.default(4),
    /** Seed of the sampling draws: a replay of the same requests in the same order samples the same ones. */
    seed: z.number().int().default(1),
  })
  .strict()
  .refine((a) => a.window >= a.min_samples, { message: "window must be at least min_samples", path: ["window"] });

export type AuditConfig = z.output<typeof auditSchema>;

/** The sampling rate in effect. */
export function auditRate(config: AuditConfig, tripped: boolean): number {
  return tripped ? (config.tripped_rate ?? Math.min(1, 5 * config.rate)) : config.rate;
}
