/**
 * The improvement loop, replayed: labeled texts arrive as traffic in windows; the served compact model keeps a request
 * when its confidence reaches the certified threshold, otherwise the LLM tier answers it (loop-labeler.ts: a real endpoint,
 * or the openly simulated labeler). A share of kept requests is audited (also sent to the LLM) and bounds the kept
 * answers' disagreement. After each window the seed plus every LLM answer so far is distilled (distill-core.ts), certified,
 * and promoted by `PROMOTION_RULE`. Each window's served model is also scored on a test split that nothing in the loop
 * trains, calibrates or promotes on. One function, called by bench/improvement-loop.ts and by the PoC report.
 */
import { z } from "zod";
import { clopperPearsonUpper } from "../compact/binomial.ts";
import { createRng, shuffleInPlace, type Rng } from "../compact/random.ts";
import type { TrainClassifierConfigInput } from "../compact/train-options.ts";
import type { CompactClassifier } from "../compact/types.ts";
import { validateConfig } from "../core/config-file.ts";
import type { TaskSpec } from "../core/types.ts";
import { wilson, type Interval } from "../results/intervals.ts";
import { createCompactTier, type TierMeter } from "../tiers/index.ts";
import { distillCandidate, PROMOTION_RULE, type BySource, type LabeledText } from "./distill-core.ts";
import { evaluateRows } from "./distill-evaluate.ts";
import type { LoopLabeler } from "./loop-labeler.ts";

export const loopSettingsSchema = z
  .object({
    windows: z.number().int().min(1).max(100).default(6),
    /** Share of the traffic texts (per label, at least one each) labeled by people up front: the seed. */
    seedShare: z.number().gt(0).lt(1).default(0.05),
    /** ε of every certificate. Must exceed the labeler's disagreement with the truth to certify anything against its labels. */
    epsilon: z.number().gt(0).lt(1).default(0.1),
    /** Share of kept requests also sent to the LLM (the audit sample). */
    auditShare: z.number().min(0).max(1).default(0.02),
    seed: z.number().int().default(1),
  })
  .strict();
export type LoopSettings = z.output<typeof loopSettingsSchema>;

type Example = { text: string; label: string };

export interface LoopOptions {
  task: TaskSpec & { labels: string[] };
  /** Replayed as traffic (its seed share is the labeled seed). */
  traffic: readonly Example[];
  /** Never trained, calibrated or promoted on: each window's served model is scored here. */
  test: readonly Example[];
  labeler: LoopLabeler;
  tierMeter: TierMeter;
  settings?: z.input<typeof loopSettingsSchema>;
  trainOptions?: Partial<TrainClassifierConfigInput>;
  threads?: number;
  onEvent?: (message: string) => void;
}

export interface WindowRow {
  window: number;
  requests: number;
  served: { version: number; threshold: number | null; trained_on: BySource };
  escalated: number;
  escalation_rate: number;
  escalation_ci95: Interval | null;
  /** Escalations the LLM tier did not label (an error, an answer outside the label set). */
  llm_failed: number;
  /** USD per 1,000 requests: catalog prices (modeled) × tokens; compact: measured CPU time × $/core-hour. */
  cost_per_1k_usd: { total: number; compact: number; llm: number; audit: number };
  /** The answers this window's requests got (kept compact answer, or the LLM's) against the dataset's labels. */
  traffic_accuracy: number;
  traffic_accuracy_ci95: Interval | null;
  /** The served model on the untouched test split, at its served threshold. */
  test: { n: number; accuracy: number | null; accuracy_ci95: Interval | null; coverage: number | null; kept: number; kept_error: number | null; kept_error_ci95: Interval | null };
  /** Kept requests also sent to the LLM; the bound is Clopper-Pearson one-sided 95% on their disagreement. */
  audit: { sampled: number; disagreements: number; upper_bound_95: number | null };
  /** The distillation after this window. */
  distill: { candidate_certified_coverage: number; current_certified_coverage: number | null; promoted: boolean; train_rows: number; train_seconds: number };
}

export interface LoopResult {
  settings: LoopSettings;
  labeler: "llm" | "simulated";
  llm_model: string;
  llm_priced_as: string;
  provenance: { cost: "modeled"; llm_tokens: "measured" | "modeled"; labels: "llm" | "simulated"; compact_cpu: "measured" };
  promotion_rule: string;
  seed_rows: number;
  traffic_rows: number;
  test_rows: number;
  windows: WindowRow[];
  goal: { escalation_first: number; escalation_last: number; escalation_halved: boolean; test_accuracy_first: number | null; test_accuracy_last: number | null; accuracy_held: boolean; met: boolean };
}

/** The seed: per label, a seeded draw of `share` of its texts (at least one, so every label can be learned). */
export function splitSeed(examples: readonly Example[], share: number, rng: Rng): { seed: Example[]; rest: Example[] } {
  const byLabel = new Map<string, Example[]>();
  for (const e of examples) byLabel.set(e.label, [...(byLabel.get(e.label) ?? []), e]);
  const seed: Example[] = [];
  const rest: Example[] = [];
  for (const label of [...byLabel.keys()].sort()) {
    const members = shuffleInPlace([...(byLabel.get(label) ?? [])], rng);
    const take = Math.max(1, Math.round(share * members.length));
    seed.push(...members.slice(0, take));
    rest.push(...members.slice(take));
  }
  return { seed, rest: shuffleInPlace(rest, rng) };
}

function testFigures(model: CompactClassifier, test: readonly Example[]): WindowRow["test"] {
  const e = evaluateRows(model, test.map((t) => ({ ...t, source: "gold" as const })), "gold");
  return { n: e.n, accuracy: e.accuracy, accuracy_ci95: e.accuracyCi95, coverage: e.coverage, kept: e.kept, kept_error: e.keptError, kept_error_ci95: e.keptErrorCi95 };
}

export async function runImprovementLoop(options: LoopOptions): Promise<LoopResult> {
  const settings = validateConfig(loopSettingsSchema, options.settings ?? {}, "improvement loop settings");
  const say = options.onEvent ?? (() => undefined);
  const rng = createRng(settings.seed);
  const { seed, rest } = splitSeed(options.traffic, settings.seedShare, rng);
  const seedRows: LabeledText[] = seed.map((e) => ({ ...e, source: "seed" }));
  const distilled: LabeledText[] = [];
  const { labels, name: taskName } = options.task;
  const distill = (current?: CompactClassifier) =>
    distillCandidate({
      taskName,
      labels,
      seed: seedRows,
      distilled,
      gold: [],
      epsilon: settings.epsilon,
      randomSeed: settings.seed,
      ...(current !== undefined ? { current } : {}),
      ...(options.trainOptions !== undefined ? { trainOptions: options.trainOptions } : {}),
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
    });
  say(`training the seed model on ${seed.length} labeled texts`);
  const first = await distill();
  let served = first.candidate;
  let version = 1;
  let trainedOn = first.report.sizes.train;
  const rows: WindowRow[] = [];
  const size = Math.ceil(rest.length / settings.windows);
  for (let w = 0; w < settings.windows; w++) {
    const window = rest.slice(w * size, (w + 1) * size);
    const compact = createCompactTier({ name: "compact", model: served, meter: options.tierMeter, modelId: `v${version}` });
    let escalated = 0;
    let failed = 0;
    let right = 0;
    let audited = 0;
    let disagreements = 0;
    const usd = { compact: 0, llm: 0, audit: 0 };
    for (const item of window) {
      const answer = await compact.answer({ task: options.task, input: { text: item.text } });
      usd.compact += answer?.usage.costUsd ?? 0;
      const compactLabel = answer?.output?.kind === "classify" ? answer.output.label : null;
      const kept = answer !== null && answer.confidence >= served.threshold;
      if (kept && rng() >= settings.auditShare) {
        if (compactLabel === item.label) right++;
        continue;
      }
      const llm = await options.labeler.answer(item.text, item.label);
      if (llm.label !== null) distilled.push({ text: item.text, label: llm.label, source: "llm" });
      if (kept) {
        // An audited request: the user got the compact answer; the LLM's answer only checks it.
        usd.audit += llm.costUsd ?? 0;
        audited++;
        if (llm.label !== compactLabel) disagreements++;
        if (compactLabel === item.label) right++;
        continue;
      }
      escalated++;
      usd.llm += llm.costUsd ?? 0;
      if (llm.label === null) failed++;
      else if (llm.label === item.label) right++;
    }
    const n = window.length;
    const per1k = (x: number): number => (n === 0 ? 0 : (x / n) * 1000);
    say(`window ${w + 1}/${settings.windows}: ${n} requests, ${escalated} escalated; distilling ${seedRows.length + distilled.length} rows`);
    const test = testFigures(served, options.test);
    const next = await distill(served);
    const promoted = next.report.promotion.candidateBetter;
    rows.push({
      window: w + 1,
      requests: n,
      served: { version, threshold: Number.isFinite(served.threshold) ? served.threshold : null, trained_on: trainedOn },
      escalated,
      escalation_rate: n === 0 ? 0 : escalated / n,
      escalation_ci95: wilson(escalated, n),
      llm_failed: failed,
      cost_per_1k_usd: { total: per1k(usd.compact + usd.llm + usd.audit), compact: per1k(usd.compact), llm: per1k(usd.llm), audit: per1k(usd.audit) },
      traffic_accuracy: n === 0 ? 0 : right / n,
      traffic_accuracy_ci95: wilson(right, n),
      test,
      audit: { sampled: audited, disagreements, upper_bound_95: audited === 0 ? null : clopperPearsonUpper(disagreements, audited, 0.05) },
      distill: {
        candidate_certified_coverage: next.report.promotion.candidateCoverage,
        current_certified_coverage: next.report.promotion.currentCoverage,
        promoted,
        train_rows: Object.values(next.report.sizes.train).reduce((a, b) => a + b, 0),
        train_seconds: next.report.candidate.trainSeconds,
      },
    });
    if (promoted) {
      served = next.candidate;
      version++;
      trainedOn = next.report.sizes.train;
    }
  }
  const firstRow = rows[0];
  const lastRow = rows.at(-1);
  const escFirst = firstRow?.escalation_rate ?? 0;
  const escLast = lastRow?.escalation_rate ?? 0;
  const accFirst = firstRow?.test.accuracy ?? null;
  const accLast = lastRow?.test.accuracy ?? null;
  const halved = rows.length > 1 && escLast <= escFirst / 2;
  const held = accFirst !== null && accLast !== null && accLast >= accFirst;
  return {
    settings,
    labeler: options.labeler.labeler,
    llm_model: options.labeler.model,
    llm_priced_as: options.labeler.pricedAs,
    provenance: { cost: "modeled", llm_tokens: options.labeler.labeler === "llm" ? "measured" : "modeled", labels: options.labeler.labeler, compact_cpu: "measured" },
    promotion_rule: PROMOTION_RULE,
    seed_rows: seed.length,
    traffic_rows: rest.length,
    test_rows: options.test.length,
    windows: rows,
    goal: { escalation_first: escFirst, escalation_last: escLast, escalation_halved: halved, test_accuracy_first: accFirst, test_accuracy_last: accLast, accuracy_held: held, met: halved && held },
  };
}
