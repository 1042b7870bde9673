/**
 * The cards at the top of the report. Each shows the recommended operating point (its threshold, scored on the held-out
 * items) with the run's own point beside it: the run used the compact tier's threshold, the recommendation another, and a
 * card that mixed the two would describe neither. A figure the sweep does not replay (latency) shows the run only, and
 * says so. Comparisons with the baseline carry their 95% interval, and say when it crosses 1.
 */
import type { PocResults, RecommendationFields } from "../results/types.ts";
import { formatRatio, formatShare } from "./format.ts";
import { MIN_BOOTSTRAP_N, against, type Interval } from "../results/intervals.ts";
import { deriveShown, showCounted, type Shown } from "./shown.ts";
import { formatRange } from "./uncertainty-words.ts";
import { interval, recommendationOf, type PipelineView } from "./view-model.ts";
import type { RecommendationView } from "./view-sections.ts";

export interface HeadlinePoint {
  /** What the figure is of: "recommended threshold 0.55, scored on 1,540 held-out items", "this run (threshold 0.885)". */
  about: string;
  shown: Shown;
  comparison: Shown | null;
  /** A line more: the verdict against the quality target, or why the figure is the run's only. */
  note: string | null;
}

export interface Headline {
  label: string;
  pipeline: string;
  /** The main figure: the recommended point's when known, else the run's (then `run` is null). */
  main: HeadlinePoint;
  /** The run's own figure beside the recommended point's. */
  run: HeadlinePoint | null;
  /** The main figure and its comparison (kept for readers of the older shape). */
  shown: Shown;
  comparison: Shown | null;
}

interface Cut {
  factor: number | null;
  ci: Interval | null | undefined;
  n: number | null;
}

/** "7.2× cheaper than dense (95% CI 6.9–7.5×)"; "no clear difference from dense (… crosses 1)"; too few requests said. */
function cutText(cut: Cut, lower: string, higher: string, baseline: string): string | null {
  if (cut.factor === null || !(cut.factor > 0)) return null;
  const few = cut.n !== null && cut.n < MIN_BOOTSTRAP_N ? `; ${cut.n} requests: too few to conclude` : "";
  if (cut.ci === null || cut.ci === undefined) {
    return cut.factor >= 1 ? `${formatRatio(cut.factor)} ${lower} than ${baseline}${few}` : `${formatRatio(1 / cut.factor)} ${higher} than ${baseline}${few}`;
  }
  const where = against(cut.ci, 1);
  if (where === "above") return `${formatRatio(cut.factor)} ${lower} than ${baseline} (95% CI ${formatRange(cut.ci, formatRatio)})${few}`;
  if (where === "below") return `${formatRatio(1 / cut.factor)} ${higher} than ${baseline} (95% CI ${formatRange([1 / cut.ci[1], 1 / cut.ci[0]], formatRatio)})${few}`;
  return `no clear difference from ${baseline} (ratio ${formatRatio(cut.factor)}, 95% CI ${formatRange(cut.ci, formatRatio)} crosses 1)${few}`;
}

function comparisonEntry(results: PocResults, pipeline: string): Record<string, unknown> | null {
  const c = (results.comparison as Record<string, unknown> | undefined)?.[pipeline];
  return c !== null && typeof c === "object" ? (c as Record<string, unknown>) : null;
}

/**
 * `view`: the recommendation as the report shows it (its figures' provenance settled for older files too); `withheld`: the
 * run stopped on failures, so the cards show the figures recorded and compare nothing.
 */
export function buildHeadlines(results: PocResults, views: PipelineView[], candidate: string | null, qualityName: string, view: RecommendationView | null, withheld = false): Headline[] {
  const base = views.find((v) => v.isBaseline);
  const cand = views.find((v) => v.name === candidate) ?? (views.length === 1 ? views[0] : undefined);
  if (cand === undefined) return [];
  const compare = withheld || base === undefined || base === cand ? null : base;
  const rec = recommendationOf(results);
  const recommended = !withheld && rec.threshold !== undefined && (rec.pipeline === undefined || rec.pipeline === cand.name) ? rec : null;
  const entry = comparisonEntry(results, cand.name);
  const runN = typeof (entry?.requests as { pipeline?: unknown } | undefined)?.pipeline === "number" ? ((entry?.requests as { pipeline: number }).pipeline) : null;
  const inputs = (a: Shown, b: Shown) => [
    { label: cand.name, shown: a },
    { label: compare?.name ?? "", shown: b },
  ];

  /** The run point against the baseline: the writer's interval when it has one, else the ratio of the two figures. */
  const runCut = (pick: (v: PipelineView) => Shown, key: string | null, lower: string, higher: string): Shown | null => {
    if (compare === null) return null;
    const a = pick(cand);
    const b = pick(compare);
    if (a.value === null || b.value === null || a.value <= 0 || b.value <= 0) return deriveShown(`${compare.name}: ${b.text}`, null, inputs(a, b));
    const ci = key === null ? undefined : interval(entry?.[`${key}_ci95`]);
    const text = cutText({ factor: b.value / a.value, ci, n: key === null ? null : runN }, lower, higher, compare.name);
    return deriveShown(text ?? "", b.value / a.value, inputs(a, b));
  };

  const qualityDelta = (quality: Shown): Shown | null => {
    if (compare === null) return null;
    if (quality.value === null || compare.quality.value === null) return deriveShown(`${compare.name}: ${compare.quality.text}`, null, inputs(quality, compare.quality));
    const points = (quality.value - compare.quality.value) * 100;
    return deriveShown(`${points >= 0 ? "+" : "−"}${Math.abs(points).toFixed(1)} pts vs ${compare.name}`, points, inputs(quality, compare.quality));
  };

  const runThreshold = recommended?.run_threshold;
  const runAbout = runThreshold === undefined || runThreshold === null ? "this run" : `this run (threshold ${Number(runThreshold.toFixed(4))})`;
  const recAbout = recommended === null ? "" : recommendedAbout(recommended);
  const runPart = cand.measuredPart;
  const runQualityNote = cand.quality.value === null && runPart !== null ? `measured part: ${runPart.quality.text}${runPart.coverage === null ? "" : ` on the ${formatShare(runPart.coverage)} answered by the tiers that ran`}` : null;
  const point = (about: string, shown: Shown, comparison: Shown | null, note: string | null = null): HeadlinePoint => ({ about, shown, comparison, note });
  const runPoint = {
    cost: point(runAbout, cand.cost, runCut((v) => v.cost, "cost_cut_factor", "cheaper", "more expensive")),
    quality: point(runAbout, cand.quality, runQualityNote === null ? qualityDelta(cand.quality) : { ...(runPart as NonNullable<typeof runPart>).quality, text: runQualityNote }),
    p95: point(runAbout, cand.p95, runCut((v) => v.p95, null, "faster", "slower"), recommended === null ? null : "latency is not replayed at other thresholds: this is the run's"),
    kwh: point(runAbout, cand.kwh, runCut((v) => v.kwh, "kwh_cut_factor", "less energy", "more energy")),
  };
  const headline = (label: string, main: HeadlinePoint | null, run: HeadlinePoint): Headline =>
    main === null ? { label, pipeline: cand.name, main: run, run: null, shown: run.shown, comparison: run.comparison } : { label, pipeline: cand.name, main, run, shown: main.shown, comparison: main.comparison };
  if (recommended === null) {
    return [headline("Cost / request", null, runPoint.cost), headline(qualityName, null, runPoint.quality), headline("Latency P95", null, runPoint.p95), headline("kWh / 1,000 requests", null, runPoint.kwh)];
  }
  const v = recommended.versus_baseline;
  const recN = v?.requests.pipeline ?? null;
  const recCut = (factor: number | null | undefined, ci: Interval | null | undefined, shown: Shown, lower: string, higher: string): Shown | null => {
    if (compare === null || v === undefined) return null;
    const text = cutText({ factor: factor ?? null, ci, n: recN }, lower, higher, v.baseline);
    return text === null ? null : { text, value: factor ?? null, provenance: shown.provenance === "measured" ? "modeled" : shown.provenance, details: [] };
  };
  const recCost = view === null || view.cost.value === null ? null : { ...view.cost, details: [] };
  const recKwh = view?.kwh ?? null;
  const recQuality = recommendedQuality(view);
  return [
    headline("Cost / request", recCost === null ? null : point(recAbout, recCost, recCut(v?.cost_cut_factor, v?.cost_cut_factor_ci95, recCost, "cheaper", "more expensive")), runPoint.cost),
    headline(qualityName, point(recAbout, recQuality.shown, recQuality.shown.value === null ? recQuality.part : qualityDelta(recQuality.shown), verdictNote(recommended)), runPoint.quality),
    headline("Latency P95", null, runPoint.p95),
    headline("kWh / 1,000 requests", recKwh === null ? null : point(recAbout, recKwh, recCut(v?.kwh_cut_factor, v?.kwh_cut_factor_ci95, recKwh, "less energy", "more energy")), runPoint.kwh),
  ];
}

function recommendedAbout(rec: RecommendationFields): string {
  const held = rec.selection === undefined ? "" : `, scored on ${rec.selection.scored_on.items.toLocaleString("en-US")} held-out items`;
  return `recommended threshold ${rec.threshold}${held}`;
}

/** The chain's quality at the recommended point, and the compact part's when the chain's is unknown. */
function recommendedQuality(view: RecommendationView | null): { shown: Shown; part: Shown | null } {
  const shown = view?.quality ?? showCounted(null, formatShare);
  const kept = view?.compactQuality ?? null;
  if (view === null || kept === null || kept.value === null) return { shown, part: null };
  const on = view.coverage.value === null ? "" : ` on ${view.coverage.text} of ${view.coverageOf}`;
  return { shown, part: { text: `compact answers kept: ${kept.text}${on}${kept.interval === undefined ? "" : ` (${kept.interval})`}`, value: kept.value, provenance: "measured", details: [] } };
}

/** The verdict against the target, short: the full sentence is in the recommendation section. */
function verdictNote(rec: RecommendationFields): string | null {
  const target = rec.quality_target === undefined ? "the target" : `the ${formatShare(rec.quality_target)} target`;
  const on = rec.quality_provenance === "measured" ? "" : " (on the compact answers kept)";
  if (rec.quality_verdict === "meets_target") return `meets ${target}${on}, 95% CI clear of it`;
  if (rec.quality_verdict === "below_target") return `below ${target}${on}, 95% CI included`;
  if (rec.quality_verdict === "interval_crosses_target") return `95% CI crosses ${target}${on}: too few items to conclude`;
  return null;
}
