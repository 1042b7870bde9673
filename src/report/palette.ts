/**
 * Colors shared by every chart and table of a report, so a pipeline or tier keeps its color from chart to chart. The
 * baseline (the dense LLM) is a neutral slate; tiers are colored by kind: cache blue, compact green, LLMs warm.
 */

const BASELINE_COLOR = "#64748b";
const PIPELINE_COLORS = ["#0f766e", "#2563eb", "#9333ea", "#c2410c", "#be123c", "#4d7c0f"];
const TIER_COLORS: Record<string, string[]> = {
  cache: ["#38bdf8", "#0284c7"],
  compact: ["#10b981", "#047857", "#6ee7b7"],
  llm: ["#f59e0b", "#ef4444", "#c026d3", "#fb923c"],
};
const OTHER_COLOR = "#94a3b8";

export function pipelineColors(names: string[], baseline: string | null): Map<string, string> {
  const colors = new Map<string, string>();
  let next = 0;
  for (const name of names) {
    if (name === baseline) colors.set(name, BASELINE_COLOR);
    else colors.set(name, PIPELINE_COLORS[next++ % PIPELINE_COLORS.length] ?? OTHER_COLOR);
  }
  return colors;
}

/** One color per tier name across all pipelines; a tier name seen with two kinds keeps its first. */
export function tierColors(tiers: Array<{ name: string; kind: string }>): Map<string, string> {
  const colors = new Map<string, string>();
  const used = new Map<string, number>();
  for (const tier of tiers) {
    if (colors.has(tier.name)) continue;
    const family = TIER_COLORS[tier.kind];
    if (family === undefined) {
      colors.set(tier.name, OTHER_COLOR);
      continue;
    }
    const index = used.get(tier.kind) ?? 0;
    used.set(tier.kind, index + 1);
    colors.set(tier.name, family[index % family.length] ?? OTHER_COLOR);
  }
  return colors;
}

export { OTHER_COLOR };
