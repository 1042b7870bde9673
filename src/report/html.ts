/**
 * index.html: one self-contained file. uPlot, the report script and both stylesheets are inlined, the chart data sits in a
 * `<script type="application/json">` block (escaped so user text cannot close it), and nothing is fetched: the page
 * opens from a mail attachment or an air-gapped share. Tables and bar charts are rendered here, so they read without
 * JavaScript and in print; the browser script only draws the two uPlot charts.
 */
import type { ReportAssets } from "./assets.ts";
import { escapeHtml, jsonForScript } from "./escape.ts";
import { PROVENANCE_LABEL } from "./format.ts";
import {
  cacheAttributionHtml,
  partialBanner,
  headlineCards,
  measurementCallout,
  optionalSections,
  pipelinesHtml,
  provenanceLegend,
  recommendationHtml,
  summaryTable,
} from "./html-parts.ts";
import type { ReportModel } from "./report-model.ts";
import { kwhSvg, tierShareSvg } from "./svg-bars.ts";

export interface CurvePoint {
  threshold: number;
  coverage: number;
  quality: number;
  cost: number;
  assumed: boolean;
}

/**
 * The two sweep curves exactly as the chart draws them (the browser script draws these, and the legend lists them from
 * these, so a legend can never name a curve that is not drawn): the chain's quality where it is known, and, where it is
 * not, the measured quality of the compact answers kept. Thresholds that cost the same are one point: the best quality.
 */
export function paretoCurves(model: ReportModel): { chain: CurvePoint[]; compact: CurvePoint[] } {
  const byCost = (points: CurvePoint[]): CurvePoint[] => {
    const best = new Map<number, CurvePoint>();
    for (const p of points) {
      const prev = best.get(p.cost);
      if (prev === undefined || p.quality > prev.quality) best.set(p.cost, p);
    }
    return [...best.values()].sort((a, b) => a.cost - b.cost);
  };
  const chain: CurvePoint[] = [];
  const compact: CurvePoint[] = [];
  for (const p of model.sweep.points) {
    if (p.cost.value === null) continue;
    const base = { threshold: p.threshold, coverage: p.coverage, cost: p.cost.value, assumed: p.assumed };
    if (p.quality.value !== null) chain.push({ ...base, quality: p.quality.value });
    else if (p.compactQuality !== null) compact.push({ ...base, quality: p.compactQuality, assumed: false });
  }
  return { chain: byCost(chain), compact: byCost(compact) };
}

/** What the browser script draws from: only the numbers the charts need, never the per-request records. */
export function chartPayload(model: ReportModel): Record<string, unknown> {
  const sweepColor = model.pipelines.find((p) => p.name === model.sweep.pipeline)?.color ?? "#0f766e";
  const curves = paretoCurves(model);
  return {
    qualityLabel: model.qualityLabel,
    qualityIsShare: model.kind !== "chat",
    sloP95Ms: model.sloP95Ms,
    pipelines: model.pipelines.map((p) => ({
      name: p.name,
      color: p.color,
      quality: p.quality.value,
      qualityProvenance: p.quality.provenance,
      cost: p.cost.value,
      costProvenance: p.cost.provenance,
      percentiles: p.percentiles,
      latencyProvenance: p.latencyProvenance,
    })),
    sweep: { pipeline: model.sweep.pipeline, color: sweepColor, chain: curves.chain, compact: curves.compact },
    recommended: recommendedPoint(model),
    gpu: model.gpu?.samples ?? null,
  };
}

/**
 * Where the recommended point sits on the Pareto chart: on the chain's curve when its quality is known (measured, or
 * modeled under an assumption), else on the measured curve of the compact answers kept — labeled as such, so the
 * compact part's quality is never read as the chain's.
 */
function recommendedPoint(model: ReportModel): Record<string, unknown> | null {
  const rec = model.recommendation;
  if (rec === null || rec.threshold === null) return null;
  // The curves are of every request; the recommendation's own figures are of the held-out half. The ring marks its
  // threshold on the curve the chart draws, so it sits on it; the held-out figures are in the section below the chart.
  const curves = paretoCurves(model);
  const same = (p: CurvePoint): boolean => Math.abs(p.threshold - (rec.threshold as number)) < 1e-9;
  const onChain = curves.chain.find(same);
  if (onChain !== undefined) return { threshold: rec.threshold, quality: onChain.quality, cost: onChain.cost, on: "chain", assumed: onChain.assumed };
  const onCompact = curves.compact.find(same);
  if (onCompact !== undefined) return { threshold: rec.threshold, quality: onCompact.quality, cost: onCompact.cost, on: "compact" };
  if (rec.cost.value === null) return null;
  if (rec.quality.value !== null) return { threshold: rec.threshold, quality: rec.quality.value, cost: rec.cost.value, on: "chain", assumed: rec.quality.provenance === "modeled" };
  if (rec.compactQuality?.value !== null && rec.compactQuality?.value !== undefined) return { threshold: rec.threshold, quality: rec.compactQuality.value, cost: rec.cost.value, on: "compact" };
  return null;
}

type LegendItem = { color: string; label: string; style?: "line" | "dot" | "ring" | "dash" };

function chartLegend(items: LegendItem[]): string {
  return `<ul class="chart-legend">${items.map((i) => `<li><span class="key key-${i.style ?? "dot"}" style="--c:${i.color}"></span>${escapeHtml(i.label)}</li>`).join("")}</ul>`;
}

function paretoFigure(model: ReportModel): string {
  // A pipeline with no cost has no place on a cost axis: it is not drawn, so not listed.
  const items: LegendItem[] = model.pipelines.filter((p) => p.cost.value !== null).map((p) => ({
    color: p.color,
    label: p.quality.value === null ? `${p.name} (quality not measured: cost shown as a line)` : `${p.name} (cost ${PROVENANCE_LABEL[p.cost.provenance]})`,
    style: p.quality.value === null ? ("dash" as const) : ("dot" as const),
  }));
  // Only what the chart draws: a curve of two points or more is a line, a single point a dot, none nothing.
  const curves = paretoCurves(model);
  const color = model.pipelines.find((p) => p.name === model.sweep.pipeline)?.color ?? "#0f766e";
  const of = model.sweep.pipeline === null ? "" : ` of ${model.sweep.pipeline}`;
  const [onlyChain] = curves.chain;
  if (curves.chain.length === 1 && onlyChain !== undefined) {
    items.push({ color, label: `threshold ${onlyChain.threshold}${of}: the one cost at which the chain's quality is known (the LLM's answers are not measured at the others)`, style: "dot" });
  } else if (curves.chain.length > 1) {
    const assumed = curves.chain.some((p) => p.assumed);
    items.push({ color, label: `threshold sweep${of}${assumed ? " (quality modeled: unknown LLM answers counted at an assumed accuracy)" : ""}`, style: assumed ? "dash" : "line" });
  }
  if (curves.compact.length > 0) {
    items.push({ color, label: "quality of the compact answers kept (measured, on the share they keep; not the chain's quality: the LLM's share is not measured)", style: curves.compact.length > 1 ? "dash" : "dot" });
  }
  const rec = recommendedPoint(model);
  if (rec !== null) {
    const where = rec.on === "compact" ? " (on the compact answers' curve: the chain's quality is not measured)" : rec.assumed === true ? " (chain quality modeled under the assumed LLM accuracy)" : "";
    items.push({ color: "#111827", label: `recommended threshold${where}; its held-out figures are under "Recommended operating point"`, style: "ring" });
  }
  return (
    `<figure class="chart" id="fig-pareto"><figcaption><h3>Quality vs cost</h3><p>Each pipeline, and the sweep of the escalation threshold. Up and to the left is better.</p></figcaption>` +
    `<div class="plot" id="chart-pareto" data-chart="pareto"></div>${chartLegend(items)}<p class="readout" id="readout-pareto" aria-live="polite"></p></figure>`
  );
}

function latencyFigure(model: ReportModel): string {
  const items: LegendItem[] = model.pipelines
    .filter((p) => p.percentiles.length > 0)
    .map((p) => ({
      color: p.color,
      label: `${p.name} (${PROVENANCE_LABEL[p.latencyProvenance]})`,
      style: p.latencyProvenance === "measured" ? ("line" as const) : ("dash" as const),
    }));
  if (model.sloP95Ms !== null && items.length > 0) items.push({ color: "#dc2626", label: "SLO (P95 target)", style: "dash" });
  return (
    `<figure class="chart" id="fig-latency"><figcaption><h3>Latency percentiles</h3><p>From the scheduled send time, so queueing counts. Dashed lines are not measured end to end.</p></figcaption>` +
    `<div class="plot" id="chart-latency" data-chart="latency"></div>${chartLegend(items)}<p class="readout" id="readout-latency" aria-live="polite"></p></figure>`
  );
}

export function renderReportHtml(model: ReportModel, assets: ReportAssets): string {
  const meta = [model.generatedAt === null ? null : `Generated ${model.generatedAt}`, model.frugalVersion === null ? null : `frugal ${model.frugalVersion}`, model.runFacts]
    .filter((s): s is string => s !== null)
    .map(escapeHtml)
    .join(" · ");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="frugal">
<title>${escapeHtml(model.title)}</title>
<style>${assets.uplotCss}</style>
<style>${assets.clientCss}</style>
</head>
<body>
<header class="top"><div class="inner">
<p class="brand">frugal · proof of concept</p>
<h1>${escapeHtml(model.title)}</h1>
<p class="facts">${model.facts.map(escapeHtml).join(" <span>·</span> ")}</p>
${meta === "" ? "" : `<p class="meta">${meta}</p>`}
</div></header>
<main>
${partialBanner(model)}
${headlineCards(model)}
${measurementCallout(model)}
<section id="summary"><h2>Summary</h2>${summaryTable(model)}</section>
<section id="charts"><h2>Charts</h2><div class="charts">
${paretoFigure(model)}
${latencyFigure(model)}
<figure class="chart" id="fig-tiers"><figcaption><h3>Who answered</h3><p>Share of requests answered by each tier.</p></figcaption><div class="svg-wrap">${tierShareSvg(model.pipelines)}</div></figure>
<figure class="chart" id="fig-kwh"><figcaption><h3>Energy per 1,000 requests</h3><p>kWh. Faded bars are modeled, not measured.</p></figcaption><div class="svg-wrap">${kwhSvg(model.pipelines)}</div></figure>
</div></section>
<section id="recommendation"><h2>Recommended operating point</h2>${recommendationHtml(model)}</section>
${cacheAttributionHtml(model)}
${optionalSections(model)}
<section id="pipelines"><h2>Pipelines</h2>${pipelinesHtml(model)}</section>
<section id="provenance"><h2>Provenance</h2><p>Every figure says where it comes from. Hover a badge for its parts and notes.</p>${provenanceLegend()}</section>
</main>
<footer><p>Made by frugal from results.json (schema frugal.poc/v1). This page is self-contained and works offline.</p></footer>
<script type="application/json" id="frugal-data">${jsonForScript(chartPayload(model))}</script>
<script>${assets.uplotJs}</script>
<script>${assets.clientJs}</script>
</body>
</html>
`;
}
