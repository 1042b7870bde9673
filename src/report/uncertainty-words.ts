/**
 * Figures with their 95% intervals, in words. A comparison or a quality whose interval crosses the decision (1 for a
 * ratio, the quality target for a quality) says so instead of standing as a bare number; a sample below
 * MIN_BOOTSTRAP_N requests says it is too small, since a bootstrap cannot show what those requests never contained.
 * The runner writes these sentences into results.json, the CLI table prints them, and the report renders them.
 */
import { against, MIN_BOOTSTRAP_N, type Interval } from "../results/intervals.ts";
import { formatCount, formatRatio, formatShare } from "./format.ts";

/** The number of a formatted figure without its unit, so a range reads "72.2–100.0%", "4.9–6.3×", "$0.01–$0.02". */
export function formatRange(interval: Interval, format: (value: number) => string): string {
  const lo = format(interval[0]);
  const hi = format(interval[1]);
  for (const unit of ["%", "×", " kWh", " ms"]) if (lo.endsWith(unit) && hi.endsWith(unit)) return `${lo.slice(0, -unit.length)}–${hi}`;
  return `${lo}–${hi}`;
}

/** "(95% CI 72.2–100.0%, n=10)" */
export function intervalNote(interval: Interval | null | undefined, format: (value: number) => string, n?: number): string {
  if (interval === null || interval === undefined) return "";
  return `(95% CI ${formatRange(interval, format)}${n === undefined ? "" : `, n=${formatCount(n)}`})`;
}

export type QualityVerdict = "meets_target" | "below_target" | "interval_crosses_target" | "unknown";

export interface QualityWords {
  verdict: QualityVerdict;
  text: string;
}

/**
 * "chain quality 100.0% (95% CI 72.2–100.0%, n=10): the interval crosses the 95.0% target — too few items to conclude".
 * Without an interval the figure stands alone and the verdict is unknown.
 */
export function qualityWords(label: string, value: number | null, interval: Interval | null | undefined, n: number | undefined, target: number | undefined): QualityWords {
  if (value === null) return { verdict: "unknown", text: `${label}: not measured` };
  const head = `${label} ${formatShare(value)}`;
  if (interval === null || interval === undefined) return { verdict: "unknown", text: `${head} (no interval)` };
  const withCi = `${head} ${intervalNote(interval, (v) => formatShare(v), n)}`;
  if (target === undefined) return { verdict: "unknown", text: withCi };
  const where = against(interval, target);
  const goal = formatShare(target);
  if (where === "above") return { verdict: "meets_target", text: `${withCi}: meets the ${goal} target` };
  if (where === "below") return { verdict: "below_target", text: `${withCi}: below the ${goal} target` };
  return { verdict: "interval_crosses_target", text: `${withCi}: the interval crosses the ${goal} target — too few items to conclude` };
}

export interface RatioInput {
  name: string;
  baseline: string;
  /** baseline / candidate: above 1 the candidate is cheaper (uses less energy). */
  factor: number | null;
  interval: Interval | null | undefined;
  /** Requests behind each side. */
  n?: { candidate: number; baseline: number };
  /** "costs" → "costs 5.6× less per request"; "energy" → "uses 5.6× less energy per request". */
  what: "costs" | "energy";
}

/** "frugal costs 5.6× less per request than dense (95% CI 4.9–6.3×)", or why no conclusion can be drawn. */
export function ratioWords(r: RatioInput): string | null {
  if (r.factor === null || !Number.isFinite(r.factor) || r.factor <= 0) return null;
  const verb = (how: string): string => (r.what === "costs" ? `costs ${how} per request` : `uses ${how} energy per request`);
  const small = r.n !== undefined && Math.min(r.n.candidate, r.n.baseline) < MIN_BOOTSTRAP_N;
  const tooFew = small ? `; only ${formatCount(Math.min(r.n?.candidate ?? 0, r.n?.baseline ?? 0))} requests: too few to conclude` : "";
  const ci = r.interval ?? null;
  if (ci === null) {
    const bare = r.factor >= 1 ? `${formatRatio(r.factor)} less` : `${formatRatio(1 / r.factor)} more`;
    return `${r.name} ${verb(bare)} than ${r.baseline} (no interval)${tooFew}`;
  }
  const where = against(ci, 1);
  if (where === "above") return `${r.name} ${verb(`${formatRatio(r.factor)} less`)} than ${r.baseline} (95% CI ${formatRange(ci, formatRatio)})${tooFew}`;
  if (where === "below") {
    const inverse: Interval = [1 / ci[1], 1 / ci[0]];
    return `${r.name} ${verb(`${formatRatio(1 / r.factor)} more`)} than ${r.baseline} (95% CI ${formatRange(inverse, formatRatio)})${tooFew}`;
  }
  const subject = r.what === "costs" ? "cost per request" : "energy per request";
  return `${r.name} vs ${r.baseline}, ${subject}: no clear difference (ratio ${formatRatio(r.factor)}, 95% CI ${formatRange(ci, formatRatio)} crosses 1)${tooFew}`;
}
