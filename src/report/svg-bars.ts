/**
 * The two bar charts (tier share, kWh per 1,000 requests) as inline SVG drawn at render time: crisp in print, readable
 * without JavaScript, and testable as markup. uPlot draws the charts that need axes and hover (Pareto, latency).
 */
import { escapeHtml } from "./escape.ts";
import { formatShare, PROVENANCE_LABEL } from "./format.ts";
import type { PipelineView } from "./view-model.ts";

const WIDTH = 640;
const LABEL_W = 132;
const RIGHT_PAD = 190;
const BAR_H = 22;
const ROW_H = 40;

function svgOpen(height: number, label: string): string {
  return `<svg class="bars" viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img" aria-label="${escapeHtml(label)}" preserveAspectRatio="xMinYMin meet">`;
}

/** Shortens a label to fit the label column; the full name stays in the tooltip. */
function fit(text: string, max = 18): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function tierShareSvg(pipelines: PipelineView[]): string {
  // The legend follows the path of a request: cache, then compact, then LLMs, then anything else, in order of appearance.
  const KIND_ORDER: Record<string, number> = { cache: 0, compact: 1, llm: 2 };
  const all = pipelines.flatMap((p) => p.tierShare);
  const ordered = all.map((t, i) => ({ t, i })).sort((a, b) => (KIND_ORDER[a.t.kind] ?? 3) - (KIND_ORDER[b.t.kind] ?? 3) || a.i - b.i);
  const legend = new Map<string, string>();
  for (const { t } of ordered) if (!legend.has(t.tier)) legend.set(t.tier, t.color);
  const legendRows = Math.ceil(legend.size / 4);
  const height = pipelines.length * ROW_H + 16 + legendRows * 22;
  const barW = WIDTH - LABEL_W - 16;
  const parts: string[] = [svgOpen(height, "Share of requests answered by each tier, per pipeline")];
  pipelines.forEach((p, row) => {
    const y = 8 + row * ROW_H;
    parts.push(`<text class="bar-label" x="0" y="${y + BAR_H / 2 + 4}"><title>${escapeHtml(p.name)}</title>${escapeHtml(fit(p.name))}</text>`);
    parts.push(`<rect class="track" x="${LABEL_W}" y="${y}" width="${barW}" height="${BAR_H}" rx="3"/>`);
    let x = LABEL_W;
    for (const t of p.tierShare) {
      const w = Math.max(0, t.share * barW);
      if (w <= 0) continue;
      parts.push(
        `<rect class="seg" x="${x.toFixed(2)}" y="${y}" width="${w.toFixed(2)}" height="${BAR_H}" fill="${t.color}">` +
          `<title>${escapeHtml(`${p.name} · ${t.tier}: ${formatShare(t.share)}`)}</title></rect>`,
      );
      if (w >= 44) parts.push(`<text class="seg-label" x="${(x + w / 2).toFixed(2)}" y="${y + BAR_H / 2 + 4}" text-anchor="middle">${formatShare(t.share, 0)}</text>`);
      x += w;
    }
    if (p.tierShare.length === 0) parts.push(`<text class="na" x="${LABEL_W + 8}" y="${y + BAR_H / 2 + 4}">no requests answered</text>`);
  });
  let i = 0;
  for (const [tier, color] of legend) {
    const lx = LABEL_W + (i % 4) * ((WIDTH - LABEL_W) / 4);
    const ly = pipelines.length * ROW_H + 16 + Math.floor(i / 4) * 22;
    parts.push(`<rect x="${lx.toFixed(1)}" y="${ly - 10}" width="12" height="12" rx="2" fill="${color}"/>`);
    parts.push(`<text class="legend" x="${(lx + 18).toFixed(1)}" y="${ly}"><title>${escapeHtml(tier)}</title>${escapeHtml(fit(tier, 16))}</text>`);
    i += 1;
  }
  parts.push("</svg>");
  return parts.join("");
}

export function kwhSvg(pipelines: PipelineView[]): string {
  const height = pipelines.length * ROW_H + 8;
  const values = pipelines.map((p) => p.kwh.value).filter((v): v is number => v !== null && v > 0);
  const max = values.length === 0 ? 1 : Math.max(...values);
  const barW = WIDTH - LABEL_W - RIGHT_PAD;
  const parts: string[] = [svgOpen(height, "Energy in kWh per 1,000 requests, per pipeline")];
  pipelines.forEach((p, row) => {
    const y = 8 + row * ROW_H;
    const mid = y + BAR_H / 2 + 4;
    parts.push(`<text class="bar-label" x="0" y="${mid}"><title>${escapeHtml(p.name)}</title>${escapeHtml(fit(p.name))}</text>`);
    const value = p.kwh.value;
    if (value === null) {
      parts.push(`<rect class="track" x="${LABEL_W}" y="${y}" width="${barW}" height="${BAR_H}" rx="3"/>`);
      parts.push(`<text class="na" x="${LABEL_W + 8}" y="${mid}">not measured</text>`);
      return;
    }
    const w = Math.max(2, (value / max) * barW);
    const tip = [`${p.name}: ${p.kwh.text} per 1,000 requests (${PROVENANCE_LABEL[p.kwh.provenance]})`, ...p.kwh.details].join("\n");
    parts.push(`<rect class="bar prov-${p.kwh.provenance}" x="${LABEL_W}" y="${y}" width="${w.toFixed(2)}" height="${BAR_H}" rx="3" fill="${p.color}"><title>${escapeHtml(tip)}</title></rect>`);
    parts.push(`<text class="value" x="${(LABEL_W + w + 8).toFixed(2)}" y="${mid}">${escapeHtml(p.kwh.text)}<tspan class="prov"> · ${PROVENANCE_LABEL[p.kwh.provenance]}</tspan></text>`);
  });
  parts.push("</svg>");
  return parts.join("");
}
