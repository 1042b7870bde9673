/**
 * The improvement loop's result as a table of strings: one header, one row per window, and the lines that say what the
 * figures are (simulated or not, modeled or measured). The benchmark prints it; the PoC report shows it (Markdown, HTML).
 */
import { z } from "zod";

const interval = z.tuple([z.number(), z.number()]).nullable();
const share = z.number().nullable();

/**
 * What the table reads of a loop result (a `LoopResult`, as results.json holds it under `improvement_loop`): the report
 * checks a results file against it before drawing the table. Loose: the other keys stay as written.
 */
export const loopResultSchema = z.looseObject({
  settings: z.looseObject({ windows: z.number(), seedShare: z.number(), epsilon: z.number(), auditShare: z.number() }),
  labeler: z.enum(["llm", "simulated"]),
  llm_priced_as: z.string(),
  provenance: z.looseObject({ llm_tokens: z.string() }),
  promotion_rule: z.string(),
  seed_rows: z.number(),
  traffic_rows: z.number(),
  test_rows: z.number(),
  windows: z.array(
    z.looseObject({
      window: z.number(),
      requests: z.number(),
      served: z.looseObject({ version: z.number(), threshold: z.number().nullable() }),
      escalation_rate: z.number(),
      escalation_ci95: interval,
      cost_per_1k_usd: z.looseObject({ total: z.number(), compact: z.number(), llm: z.number(), audit: z.number() }),
      test: z.looseObject({ accuracy: share, accuracy_ci95: interval, coverage: share, kept_error: share, kept_error_ci95: interval }),
      audit: z.looseObject({ sampled: z.number(), disagreements: z.number(), upper_bound_95: share }),
      distill: z.looseObject({ candidate_certified_coverage: z.number(), current_certified_coverage: share, promoted: z.boolean() }),
    }),
  ),
  goal: z.looseObject({ escalation_first: z.number(), escalation_last: z.number(), test_accuracy_first: share, test_accuracy_last: share, met: z.boolean() }),
});
export type LoopResultView = z.output<typeof loopResultSchema>;

export interface LoopTable {
  title: string;
  header: string[];
  rows: string[][];
  /** What the figures are: provenance, the promotion rule, the goal's verdict. */
  notes: string[];
}

const pct = (x: number | null): string => (x === null ? "—" : `${(100 * x).toFixed(1)}%`);
const ci = (i: readonly [number, number] | null): string => (i === null ? "" : ` [${(100 * i[0]).toFixed(1)}, ${(100 * i[1]).toFixed(1)}]`);

export function loopTable(result: LoopResultView): LoopTable {
  const s = result.settings;
  const simulated = result.labeler === "simulated";
  const header = [
    "window",
    "requests",
    "served model (threshold)",
    "escalation [95% CI]",
    "$ / 1k requests (compact + LLM + audit)",
    "test accuracy [95% CI]",
    "test coverage",
    "test kept error [95% CI]",
    "audit n: disagreements, CP upper 95%",
    "next: candidate vs served certified coverage → promoted",
  ];
  const rows = result.windows.map((w) => {
    const c = w.cost_per_1k_usd;
    const d = w.distill;
    return [
      String(w.window),
      String(w.requests),
      `v${w.served.version} (${w.served.threshold === null ? "none certified" : w.served.threshold.toFixed(3)})`,
      `${pct(w.escalation_rate)}${ci(w.escalation_ci95)}`,
      `${c.total.toFixed(4)} (${c.compact.toPrecision(2)} + ${c.llm.toFixed(4)} + ${c.audit.toFixed(4)})`,
      `${pct(w.test.accuracy)}${ci(w.test.accuracy_ci95)}`,
      pct(w.test.coverage),
      `${pct(w.test.kept_error)}${ci(w.test.kept_error_ci95)}`,
      `${w.audit.sampled}: ${w.audit.disagreements}, ${pct(w.audit.upper_bound_95)}`,
      `${pct(d.candidate_certified_coverage)} vs ${pct(d.current_certified_coverage)} → ${d.promoted ? "yes" : "no"}`,
    ];
  });
  const g = result.goal;
  const notes = [
    `Seed ${result.seed_rows} labeled texts (${pct(s.seedShare)} of the traffic texts per label); traffic ${result.traffic_rows} texts in ${s.windows} windows; test ${result.test_rows} texts never used in training, calibration or promotion; ε = ${s.epsilon}, audit share ${s.auditShare}.`,
    simulated
      ? "LLM labels are SIMULATED (the dataset's label flipped to another with the stated noise rate; labeler: simulated): escalation, cost and test figures are measured on this simulation, nothing about an LLM's quality is."
      : "LLM labels come from the configured endpoint (measured).",
    `LLM calls priced as ${result.llm_priced_as} (modeled); tokens ${result.provenance.llm_tokens}${simulated ? " (the tokenizer's count of each rendered prompt, mean label length for the answer)" : ""}. Compact: measured CPU time × $/core-hour (modeled).`,
    "Certificates are tested on LLM-labeled calibration rows (and the seed's): they bound disagreement with the LLM, not the error against the truth; test kept error is against the dataset's labels.",
    `Promotion: ${result.promotion_rule}.`,
    `Goal (escalation at the last window ≤ half the first, test accuracy not lower): escalation ${pct(g.escalation_first)} → ${pct(g.escalation_last)}, test accuracy ${pct(g.test_accuracy_first)} → ${pct(g.test_accuracy_last)}: ${g.met ? "met" : "not met"}.`,
  ];
  return { title: "Improvement loop", header, rows, notes };
}

/** The table as Markdown lines (cells hold no `|`). */
export function loopTableMarkdown(table: LoopTable): string[] {
  return [`| ${table.header.join(" | ")} |`, `| ${table.header.map(() => "---").join(" | ")} |`, ...table.rows.map((r) => `| ${r.join(" | ")} |`)];
}
