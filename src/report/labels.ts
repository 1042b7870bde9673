/**
 * Labels: machine keys as words a reader expects ("kWh per 1000 requests", "GPUs needed"), and the name of the quality
 * metric. Planner rows and runner metrics arrive as snake_case or camelCase keys; the report shows them through here.
 */
import type { PocResults } from "../results/types.ts";

export function qualityLabel(results: PocResults): string {
  const metric = results.task.metric;
  const known: Record<string, string> = { accuracy: "Accuracy", macro_f1: "Macro-F1", field_exact_match: "Field exact match (mean)" };
  if (typeof metric === "string" && metric !== "") return known[metric] ?? humanize(metric);
  if (results.task.kind === "classify") return "Accuracy";
  if (results.task.kind === "extract") return "Field exact match (mean)";
  return "Quality";
}

const ACRONYMS: Record<string, string> = {
  f1: "F1",
  kwh: "kWh",
  gpu: "GPU",
  gpus: "GPUs",
  cpu: "CPU",
  llm: "LLM",
  slo: "SLO",
  usd: "USD",
  mib: "MiB",
  w: "W",
  j: "J",
  pct: "%",
  ms: "ms",
  rps: "req/s",
  tp: "TP",
  p50: "P50",
  p95: "P95",
  p99: "P99",
};

/** A machine key as a label: `macro_f1` → "Macro F1", `gpu_utilization_pct` → "GPU utilization %". */
export function humanize(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([a-z]{2,})(\d)/g, "$1 $2")
    .split(/[_\s-]+/)
    .filter((w) => w !== "");
  // Acronyms keep their own case even first ("kWh per 1000 requests"); other words are lower case, the first capitalized.
  return words
    .map((w, i) => {
      const acronym = ACRONYMS[w.toLowerCase()];
      if (acronym !== undefined) return acronym;
      const lower = w.toLowerCase();
      return i === 0 ? lower.charAt(0).toUpperCase() + lower.slice(1) : lower;
    })
    .join(" ");
}
