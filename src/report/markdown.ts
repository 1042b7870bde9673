/**
 * summary.md: the report as text, for a pull request, a ticket or an email. The same figures as the HTML, each with its
 * provenance in italics right after it, and the notes that say which figures are modeled and how to measure them.
 */
import { escapeMarkdownCell, escapeMarkdownText } from "./escape.ts";
import { formatShare, PROVENANCE_LABEL, PROVENANCE_MEANING } from "./format.ts";
import type { HeadlinePoint } from "./headlines.ts";
import type { ReportModel } from "./report-model.ts";
import { mixedGroups, showCounted, type Shown } from "./shown.ts";
import type { SweepView } from "./view-sections.ts";

/** At most this many sweep rows in the Markdown; the full sweep is in results.json and the HTML chart. */
const SWEEP_ROWS = 21;
const FAILED_ROWS = 20;

function cell(shown: Shown): string {
  const ci = shown.interval === undefined ? "" : ` (${escapeMarkdownCell(shown.interval)})`;
  return `${escapeMarkdownCell(shown.text)}${ci} _(${PROVENANCE_LABEL[shown.provenance]})_`;
}

/** The headline: the recommended point's figures, the run's beside each. */
function headlineLines(model: ReportModel): string[] {
  if (model.headlines.length === 0) return [];
  const line = (p: HeadlinePoint): string =>
    `${cell(p.shown)} — ${escapeMarkdownText(p.about)}${p.comparison === null ? "" : `; ${escapeMarkdownText(p.comparison.text)}`}${p.note === null ? "" : `; ${escapeMarkdownText(p.note)}`}`;
  const out = ["", "## Headline", "", `Figures for **${escapeMarkdownText(model.headlines[0]?.pipeline ?? "")}**${model.pipelines.length > 1 ? `, compared with **${escapeMarkdownText(model.baseline)}**` : ""}.`, ""];
  for (const h of model.headlines) {
    out.push(`- **${escapeMarkdownText(h.label)}**: ${line(h.main)}`);
    if (h.run !== null) out.push(`  - ${line(h.run)}`);
  }
  return out;
}

/** The parts of each mixed figure, listed under its table so the cells stay short. */
function mixedNotes(rows: Array<{ label: string; cells: Shown[] }>, columns: string[]): string[] {
  const lines = mixedGroups(rows, columns).map((g) => `- ${escapeMarkdownText(`${g.column} · ${g.labels.join(", ")}`)}: ${escapeMarkdownText(g.details)}`);
  return lines.length === 0 ? [] : ["", "Mixed figures, by part:", "", ...lines];
}

function table(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(" | ")} |`, `|${header.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)];
}

/** Evenly spaced sweep rows, always keeping the first, the last and the recommended threshold. */
export function sampleSweep(sweep: SweepView, recommended: number | null, max = SWEEP_ROWS): SweepView["points"] {
  const points = sweep.points;
  if (points.length <= max) return points;
  const keep = new Set<number>();
  for (let i = 0; i < max - 1; i++) keep.add(Math.round((i * (points.length - 1)) / (max - 2)));
  if (recommended !== null) {
    const index = points.findIndex((p) => Math.abs(p.threshold - recommended) < 1e-9);
    if (index >= 0) keep.add(index);
  }
  return [...keep].sort((a, b) => a - b).flatMap((i) => (points[i] === undefined ? [] : [points[i]]));
}

export function renderSummaryMarkdown(model: ReportModel): string {
  const out: string[] = [`# ${escapeMarkdownText(model.title)}`, ""];
  out.push(model.facts.map(escapeMarkdownText).join(" · "));
  if (model.generatedAt !== null) out.push("", `Generated ${escapeMarkdownText(model.generatedAt)}${model.frugalVersion === null ? "" : ` by frugal ${escapeMarkdownText(model.frugalVersion)}`}.`);
  if (model.runFacts !== null) out.push("", `${escapeMarkdownText(model.runFacts)}.`);
  if (model.run.aborted !== null) out.push("", `> **Run stopped on failures:** ${escapeMarkdownText(model.run.aborted)}`);
  if (model.partialNote !== null) out.push("", `> **Partial results:** ${escapeMarkdownText(model.partialNote)}`);
  for (const note of model.run.runNotes) out.push("", `> ${escapeMarkdownText(note)}`);
  out.push(...headlineLines(model));
  out.push("", "## Summary", "");
  const header = ["Figure", ...model.pipelines.map((p) => escapeMarkdownCell(p.isBaseline ? `${p.name} (baseline)` : p.name))];
  out.push(...table(header, model.rows.map((row) => [escapeMarkdownCell(row.label), ...row.cells.map(cell)])));
  out.push(...mixedNotes(model.rows, model.pipelines.map((p) => p.name)));
  out.push("", "Pipelines:");
  for (const p of model.pipelines) {
    out.push(`- **${escapeMarkdownText(p.name)}**: ${escapeMarkdownText(p.chain || "no tiers")}`, ...p.prices.map((t) => `  - ${escapeMarkdownText(t)}`));
  }
  if (model.run.warmupNote !== null) out.push("", `Warm-up: ${escapeMarkdownText(model.run.warmupNote)}`);
  if (model.run.cacheAttribution.length > 0) out.push("", "## What the cache saves, what the compact tier saves", "", ...model.run.cacheAttribution.map(escapeMarkdownText));

  const rec = model.recommendation;
  out.push("", "## Recommended operating point", "");
  if (rec === null) out.push("The results name no recommended operating point.");
  else if (rec.threshold === null) out.push(`No threshold is recommended.${rec.reason === null ? "" : ` ${escapeMarkdownText(rec.reason)}.`}`);
  else {
    const target = rec.qualityTarget === null ? "" : ` Quality target: ${formatShare(rec.qualityTarget)}.`;
    const noted = (shown: Shown): string => `${cell(shown)}${shown.details.length === 0 ? "" : ` — ${escapeMarkdownText(shown.details.join("; "))}`}`;
    out.push(
      `${rec.pipeline === null ? "" : `**${escapeMarkdownText(rec.pipeline)}**, `}threshold **${rec.threshold}**${rec.basisText === null ? "" : ` (basis: ${escapeMarkdownText(rec.basisText)})`}.${target}`,
      "",
      `- Chain quality: ${noted(rec.quality)}`,
      rec.compactQuality === null
        ? `- Kept by the first tier: ${cell(rec.coverage)}`
        : `- Compact answers kept: ${cell(rec.compactQuality)} on ${cell(rec.coverage)} of ${escapeMarkdownText(rec.coverageOf)}`,
      ...(rec.escalation === null ? [] : [`- Sent to the LLM: ${cell(rec.escalation)} of requests`]),
      `- Cost / request: ${noted(rec.cost)}`,
      ...(rec.kwh === null ? [] : [`- kWh / 1,000 requests: ${cell(rec.kwh)}`]),
      ...(rec.runThreshold === null ? [] : [`- This run used threshold ${Number(rec.runThreshold.toFixed(4))}`]),
    );
    if (rec.selection !== null) out.push("", `Held out: ${escapeMarkdownText(rec.selection)}.`);
    if (rec.statement !== null) out.push("", `**Verdict**: ${escapeMarkdownText(rec.statement)}.`);
    for (const v of rec.versus) out.push("", `${escapeMarkdownText(v)}.`);
    if (rec.reason !== null) out.push("", escapeMarkdownText(rec.reason));
  }

  const h = model.hints;
  if (h.modeledFigures + h.notMeasuredFigures > 0 || h.hints.length > 0) {
    out.push("", "## Modeled and unmeasured figures", "");
    out.push(`${h.modeledFigures} figure(s) above are modeled or partly modeled, ${h.notMeasuredFigures} are not measured.`);
    for (const hint of h.hints) out.push(`- Set ${hint.env.map((e) => `\`${e.replace(/`/g, "")}\``).join(", ")} to measure ${escapeMarkdownText(hint.makes_measured)}.`);
    if (h.hints.length === 0 && h.modeledFigures > 0) out.push("- The results name no setting that would measure them.");
  }

  if (model.sweep.points.length > 0) {
    const sampled = sampleSweep(model.sweep, rec?.threshold ?? null);
    out.push("", `## Threshold sweep${model.sweep.pipeline === null ? "" : ` (${escapeMarkdownText(model.sweep.pipeline)})`}`, "");
    if (sampled.length < model.sweep.points.length) out.push(`${sampled.length} of ${model.sweep.points.length} points; the full sweep is in results.json.`, "");
    out.push(
      ...table(
        ["Threshold", "Kept by compact", "Compact answers kept: quality", "Chain quality", "Cost / request"],
        sampled.map((p) => [
          `${p.threshold}${rec?.threshold === p.threshold ? " **(recommended)**" : ""}`,
          formatShare(p.coverage),
          p.compactQuality === null ? cell(showCounted(null, formatShare)) : cell({ text: formatShare(p.compactQuality), value: p.compactQuality, provenance: "measured", details: [] }),
          cell(p.quality),
          cell(p.cost),
        ]),
      ),
    );
  }

  if (model.extraction !== null) {
    out.push("", "## Extraction by field", "");
    out.push(...table(["Field", ...model.extraction.columns.map(escapeMarkdownCell)], model.extraction.rows.map((r) => [escapeMarkdownCell(r.label), ...r.cells.map(cell)])));
    out.push(...mixedNotes(model.extraction.rows, model.extraction.columns));
  }
  if (model.gpu !== null && model.gpu.stats.length > 0) {
    out.push("", "## GPU telemetry", "");
    out.push(...model.gpu.stats.map((s) => `- ${escapeMarkdownText(s.label)}: ${cell(s.shown)}`));
  }
  if (model.improvementLoop !== null) {
    const l = model.improvementLoop;
    out.push("", `## ${escapeMarkdownText(l.title)}`, "");
    out.push(...table(l.header.map(escapeMarkdownCell), l.rows.map((r) => r.map(escapeMarkdownCell))));
    out.push("", ...l.notes.map((n) => `- ${escapeMarkdownText(n)}`));
  }
  if (model.planning !== null) {
    const p = model.planning;
    out.push("", `## ${escapeMarkdownText(p.title)}`, "");
    out.push(...table(["Figure", ...p.columns.map(escapeMarkdownCell)], p.rows.map((r) => [escapeMarkdownCell(r.label), ...r.cells.map((c) => (typeof c === "string" ? escapeMarkdownCell(c) : cell(c)))])));
    if (p.versusSummary.length > 0) out.push("", "Beside the summary:", "", ...p.versusSummary.map((n) => `- ${escapeMarkdownText(n)}`));
    if (p.notes.length > 0) out.push("", ...p.notes.map((n) => `- ${escapeMarkdownText(n)}`));
  }
  if (model.datasetProblems !== null) {
    const d = model.datasetProblems;
    out.push("", "## Dataset rows with problems", "", `${d.count} row(s) could not be used or scored; they are reported, not skipped silently.`, "");
    out.push(...table(["Line", "Severity", "Problem"], d.rows.slice(0, FAILED_ROWS).map((r) => [r.line, r.severity, r.reason].map(escapeMarkdownCell))));
    if (d.count > Math.min(d.rows.length, FAILED_ROWS)) out.push("", `…and ${d.count - Math.min(d.rows.length, FAILED_ROWS)} more in results.json.`);
  }
  if (model.failures !== null) {
    const f = model.failures;
    out.push("", "## Failed rows", "", `${f.total} row(s) failed or could not be scored; they are counted in the figures above, not dropped.`, "");
    out.push(
      ...table(
        ["Item", "Pipeline", "Stage", "Tier", "Error"],
        f.rows.slice(0, FAILED_ROWS).map((r) => [r.item, r.pipeline, r.stage, r.tier ?? "", `${r.code === undefined ? "" : `${r.code}: `}${r.message}`].map(escapeMarkdownCell)),
      ),
    );
    if (f.total > FAILED_ROWS) out.push("", `…and ${f.total - FAILED_ROWS} more in results.json.`);
  }

  out.push("", "## Provenance", "");
  for (const key of ["measured", "modeled", "not_measured", "mixed"] as const) out.push(`- _${PROVENANCE_LABEL[key]}_: ${PROVENANCE_MEANING[key]}.`);
  return `${out.join("\n")}\n`;
}
