/**
 * results.json is read by people and diffed between runs, so its key order must not depend on the order a runner happened
 * to build objects in. Known keys come first in reading order (what a figure is before where it came from), the rest
 * alphabetically; arrays keep their order because it carries meaning (pipelines, sweep points).
 */
import { CORE_METRIC_KEYS } from "../results/types.ts";

const KEY_PRIORITY = [
  "schema",
  "generated_at",
  "frugal_version",
  "task",
  "name",
  "kind",
  "model",
  "n_items",
  "load",
  "slo",
  "pipelines",
  "tiers",
  "metrics",
  ...CORE_METRIC_KEYS,
  "threshold",
  "coverage",
  "value",
  "p50",
  "p95",
  "p99",
  "p",
  "ms",
  "provenance",
  "parts",
  "source",
  "share",
  "note",
  "sweep",
  "recommendation",
];
const RANK = new Map(KEY_PRIORITY.map((key, index) => [key, index]));

function compareKeys(a: string, b: string): number {
  const ra = RANK.get(a);
  const rb = RANK.get(b);
  if (ra !== undefined && rb !== undefined) return ra - rb;
  if (ra !== undefined) return -1;
  if (rb !== undefined) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function reorder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reorder);
  if (value === null || typeof value !== "object") return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source).sort(compareKeys)) out[key] = reorder(source[key]);
  return out;
}

/** Pretty JSON (two spaces, trailing newline) with a deterministic key order. */
export function stableStringify(value: unknown): string {
  return `${JSON.stringify(reorder(value), null, 2)}\n`;
}
