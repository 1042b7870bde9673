/**
 * HTML fragments of the report. Every piece of user text (task, pipeline, tier and field names, notes, error messages)
 * goes through escapeHtml; numbers are formatted by format.ts. Tooltips are plain `title` attributes: no script needed.
 */
import { escapeHtml } from "./escape.ts";
import { formatShare, PROVENANCE_LABEL, PROVENANCE_MEANING } from "./format.ts";
import type { HeadlinePoint } from "./headlines.ts";
import type { ReportModel } from "./report-model.ts";
import { mixedGroups, type Shown } from "./shown.ts";
import type { SummaryRow } from "./view-model.ts";
import type { TableCell } from "./view-sections.ts";

export function badge(shown: Pick<Shown, "provenance" | "details">): string {
  const lines = [`${PROVENANCE_LABEL[shown.provenance]}: ${PROVENANCE_MEANING[shown.provenance]}`, ...shown.details];
  return `<span class="badge b-${shown.provenance}" title="${escapeHtml(lines.join("\n"))}">${PROVENANCE_LABEL[shown.provenance]}</span>`;
}

/** The value, its badge, and its 95% interval on a line of its own (written out: tooltips do not print). */
export function figureHtml(shown: Shown): string {
  const cls = shown.provenance === "not_measured" ? "v na" : "v";
  const ci = shown.interval === undefined ? "" : ` <span class="ci">${escapeHtml(shown.interval)}</span>`;
  return `<span class="fig"><span class="${cls}">${escapeHtml(shown.text)}</span> ${badge(shown)}</span>${ci}`;
}

/**
 * Figures-by-column tables with many columns reflow, on screens too narrow for them, into one block per row whose cells
 * name their column (report.css `.reflow-md` under 1,000 px, `.reflow-lg` under 1,500 px): no column is ever pushed out of
 * its box, however many pipelines or plans there are.
 */
export function reflowClass(dataColumns: number): string {
  return dataColumns >= 6 ? " reflow-lg" : dataColumns >= 4 ? " reflow-md" : "";
}

function rowsHtml(rows: SummaryRow[], columns: string[]): string {
  return rows
    .map(
      (row) =>
        `<tr><th scope="row" title="${escapeHtml(row.help)}">${escapeHtml(row.label)}</th>${row.cells.map((c, i) => `<td data-label="${escapeHtml(columns[i] ?? "")}">${figureHtml(c)}</td>`).join("")}</tr>`,
    )
    .join("\n");
}

export function summaryTable(model: ReportModel): string {
  const head = model.pipelines
    .map((p) => `<th scope="col"><span class="swatch" style="background:${p.color}"></span>${escapeHtml(p.name)}${p.isBaseline ? ' <span class="tag">baseline</span>' : ""}</th>`)
    .join("");
  const mixed = mixedGroups(model.rows, model.pipelines.map((p) => p.name)).map(
    (g) => `<li><b>${escapeHtml(g.column)} · ${escapeHtml(g.labels.join(", "))}</b>: ${escapeHtml(g.details)}</li>`,
  );
  const mixedNotes = mixed.length === 0 ? "" : `<div class="mixed-notes"><h3>How the mixed figures are made</h3><ul>${mixed.join("")}</ul></div>`;
  const columns = model.pipelines.map((p) => p.name);
  return `<div class="table-wrap"><table class="summary${reflowClass(columns.length)}"><thead><tr><th scope="col">Figure</th>${head}</tr></thead><tbody>\n${rowsHtml(model.rows, columns)}\n</tbody></table></div>${mixedNotes}`;
}

function cardPoint(point: HeadlinePoint, main: boolean): string {
  const value = `<span class="${point.shown.provenance === "not_measured" ? "v na" : "v"}">${escapeHtml(point.shown.text)}</span>`;
  const ci = point.shown.interval === undefined ? "" : `<p class="ci">${escapeHtml(point.shown.interval)}</p>`;
  const comparison = point.comparison === null ? "" : `<p class="cmp">${escapeHtml(point.comparison.text)} ${badge(point.comparison)}</p>`;
  const note = point.note === null ? "" : `<p class="card-note">${escapeHtml(point.note)}</p>`;
  if (main) return `<p class="card-about">${escapeHtml(point.about)}</p><p class="card-value">${value}</p>${ci}${comparison}${note}`;
  return `<div class="card-run"><p class="card-about">${escapeHtml(point.about)}</p><p class="card-run-value">${value} ${badge(point.shown)}</p>${ci}${comparison}${note}</div>`;
}

/** The recommended point's figures, the run's beside each (src/report/headlines.ts says which is which). */
export function headlineCards(model: ReportModel): string {
  if (model.headlines.length === 0) return "";
  const cards = model.headlines.map(
    (h) =>
      `<div class="card"><div class="card-head"><p class="card-label">${escapeHtml(h.label)}</p>${badge(h.main.shown)}</div>${cardPoint(h.main, true)}${h.run === null ? "" : cardPoint(h.run, false)}</div>`,
  );
  const about = model.headlines[0]?.pipeline ?? "";
  return `<section class="headline" aria-label="Headline figures"><p class="headline-about">Figures for <b>${escapeHtml(about)}</b>${model.pipelines.length > 1 ? `, compared with <b>${escapeHtml(model.baseline)}</b>` : ""}</p><div class="cards">${cards.join("")}</div></section>`;
}

export function partialBanner(model: ReportModel): string {
  const notes = model.run.runNotes.map((n) => `<li>${escapeHtml(n)}</li>`).join("");
  const about = notes === "" ? "" : `<aside class="callout" role="note"><h2>About this run</h2><ul>${notes}</ul></aside>`;
  if (model.run.aborted !== null) {
    const partial = model.partialNote === null ? "" : `<p>${escapeHtml(model.partialNote)}</p>`;
    return `<aside class="callout partial" role="alert"><h2>Run stopped on failures</h2><p><b>${escapeHtml(model.run.aborted)}</b></p>${partial}</aside>${about}`;
  }
  if (model.partialNote === null) return about;
  return `<aside class="callout partial" role="alert"><h2>Partial results</h2><p>${escapeHtml(model.partialNote)}</p></aside>${about}`;
}

export function measurementCallout(model: ReportModel): string {
  const h = model.hints;
  if (h.modeledFigures + h.notMeasuredFigures === 0 && h.hints.length === 0) return "";
  const items = h.hints.map((hint) => `<li>Set ${hint.env.map((e) => `<code>${escapeHtml(e)}</code>`).join(", ")} to measure ${escapeHtml(hint.makes_measured)}.</li>`);
  if (items.length === 0) items.push("<li>These results name no setting that would measure them.</li>");
  return (
    `<aside class="callout" role="note"><h2>Not every figure here was measured</h2>` +
    `<p><b>${h.modeledFigures}</b> figure(s) are modeled or partly modeled (${badge({ provenance: "modeled", details: [] })} ${badge({ provenance: "mixed", details: [] })}), ` +
    `<b>${h.notMeasuredFigures}</b> are ${badge({ provenance: "not_measured", details: [] })}. Modeled figures come from the price catalog and energy profiles; they are estimates, not observations.</p>` +
    `<ul>${items.join("")}</ul></aside>`
  );
}

export function recommendationHtml(model: ReportModel): string {
  const rec = model.recommendation;
  if (rec === null) return `<p class="muted">These results name no recommended operating point.</p>`;
  if (rec.threshold === null) {
    const why = rec.reason === null ? "" : ` ${escapeHtml(rec.reason)}.`;
    return `<div class="rec rec-none"><p><b>No threshold is recommended.</b>${why}</p></div>`;
  }
  // The target is stated, not a claim that it is met: the basis says on what grounds, and the chain's quality says what
  // is known of it. Notes are written out, not only in tooltips: tooltips do not print.
  const item = (term: string, body: string): string => `<div><dt>${escapeHtml(term)}</dt><dd>${body}</dd></div>`;
  const notes = [
    ...(rec.selection === null ? [] : [`<li><b>Held out</b>: ${escapeHtml(rec.selection)}</li>`]),
    ...(rec.quality.details.length === 0 ? [] : [`<li><b>Chain quality</b>: ${escapeHtml(rec.quality.details.join("; "))}</li>`]),
    ...(rec.cost.details.length === 0 ? [] : [`<li><b>Cost</b>: ${escapeHtml(rec.cost.details.join("; "))}</li>`]),
  ];
  const kept = rec.compactQuality === null ? "" : item("Compact answers kept", `${figureHtml(rec.compactQuality)} on ${figureHtml(rec.coverage)} of ${escapeHtml(rec.coverageOf)}`);
  const escalated = rec.escalation === null ? "" : item("Sent to the LLM", `${figureHtml(rec.escalation)} of requests`);
  const target = rec.qualityTarget === null ? "" : `<p>Quality target: <b>${formatShare(rec.qualityTarget)}</b>.</p>`;
  const verdict = rec.statement === null ? "" : `<p class="verdict">${escapeHtml(rec.statement)}</p>`;
  const versus = rec.versus.length === 0 ? "" : `<p class="muted">${rec.versus.map(escapeHtml).join(". ")}.</p>`;
  const runUsed = rec.runThreshold === null ? "" : item("This run used", escapeHtml(String(Number(rec.runThreshold.toFixed(4)))));
  const kwh = rec.kwh === null ? "" : item("kWh / 1,000 requests", figureHtml(rec.kwh));
  const reason = rec.reason === null ? "" : `<p class="muted">${escapeHtml(rec.reason)}</p>`;
  return (
    `<div class="rec"><dl>` +
    `${rec.pipeline === null ? "" : item("Pipeline", escapeHtml(rec.pipeline))}` +
    item("Threshold", escapeHtml(String(rec.threshold))) +
    runUsed +
    `${rec.basisText === null ? "" : item("Basis", escapeHtml(rec.basisText))}` +
    item("Chain quality", figureHtml(rec.quality)) +
    kept +
    `${rec.compactQuality === null ? item("Kept by the first tier", figureHtml(rec.coverage)) : ""}` +
    escalated +
    item("Cost / request", figureHtml(rec.cost)) +
    kwh +
    `</dl>${target}${verdict}${versus}${reason}${notes.length === 0 ? "" : `<ul class="rec-notes">${notes.join("")}</ul>`}</div>`
  );
}

function cellHtml(cell: TableCell, column: string): string {
  return `<td data-label="${escapeHtml(column)}">${typeof cell === "string" ? escapeHtml(cell) : figureHtml(cell)}</td>`;
}

export function optionalSections(model: ReportModel): string {
  const out: string[] = [];
  if (model.extraction !== null) {
    const head = model.extraction.columns.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join("");
    const columns = model.extraction.columns;
    out.push(
      `<section id="extraction"><h2>Extraction, field by field</h2><div class="table-wrap"><table class="summary${reflowClass(columns.length)}"><thead><tr><th scope="col">Field</th>${head}</tr></thead><tbody>${rowsHtml(model.extraction.rows, columns)}</tbody></table></div></section>`,
    );
  }
  if (model.gpu !== null) {
    const g = model.gpu;
    const stats = g.stats
      .map((s) => {
        const why = s.shown.value === null && s.shown.details.length > 0 ? `<p class="cmp">${escapeHtml(s.shown.details.join("; "))}</p>` : "";
        return `<div class="card"><div class="card-head"><p class="card-label">${escapeHtml(s.label)}</p>${badge(s.shown)}</div><p class="card-value"><span class="${s.shown.provenance === "not_measured" ? "v na" : "v"}">${escapeHtml(s.shown.text)}</span></p>${why}</div>`;
      })
      .join("");
    const about = [g.source, g.gpus.join(", ")].filter((s) => s !== null && s !== "").map((s) => escapeHtml(String(s))).join(" · ");
    const chart = g.samples.length === 0 ? "" : `<figure class="chart wide"><figcaption><h3>GPU utilization and power during the run</h3></figcaption><div class="plot" id="chart-gpu"></div></figure>`;
    out.push(`<section id="gpu"><h2>GPU telemetry</h2>${about === "" ? "" : `<p class="muted">${about}</p>`}<div class="cards">${stats}</div>${chart}</section>`);
  }
  if (model.improvementLoop !== null) {
    const l = model.improvementLoop;
    const head = l.header.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join("");
    const body = l.rows.map((r) => `<tr>${r.map((c, i) => cellHtml(c, l.header[i] ?? "")).join("")}</tr>`).join("\n");
    const notes = `<ul class="notes">${l.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul>`;
    out.push(`<section id="improvement-loop"><h2>${escapeHtml(l.title)}</h2><div class="table-wrap"><table class="plain"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>${notes}</section>`);
  }
  if (model.planning !== null) {
    const p = model.planning;
    const head = `<th scope="col">Figure</th>${p.columns.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join("")}`;
    const body = p.rows.map((r) => `<tr><th scope="row" title="${escapeHtml(r.help)}">${escapeHtml(r.label)}</th>${r.cells.map((c, i) => cellHtml(c, p.columns[i] ?? "")).join("")}</tr>`).join("\n");
    const versus = p.versusSummary.length === 0 ? "" : `<div class="mixed-notes"><h3>Beside the summary</h3><ul>${p.versusSummary.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul></div>`;
    const notes = p.notes.length === 0 ? "" : `<ul class="notes">${p.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul>`;
    out.push(`<section id="planning"><h2>${escapeHtml(p.title)}</h2><div class="table-wrap"><table class="summary plan${reflowClass(p.columns.length)}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>${versus}${notes}</section>`);
  }
  if (model.datasetProblems !== null) {
    const d = model.datasetProblems;
    const body = d.rows.map((r) => `<tr><td>${escapeHtml(r.line)}</td><td>${escapeHtml(r.severity)}</td><td>${escapeHtml(r.reason)}</td></tr>`).join("\n");
    const more = d.count > d.rows.length ? `<p class="muted">…and ${d.count - d.rows.length} more.</p>` : "";
    out.push(
      `<section id="dataset-problems"><h2>Dataset rows with problems</h2><p>${d.count} row(s) of the dataset could not be used or scored; they are reported here, not skipped silently.</p>` +
        `<div class="table-wrap"><table class="plain"><thead><tr><th>Line</th><th>Severity</th><th>Problem</th></tr></thead><tbody>${body}</tbody></table></div>${more}</section>`,
    );
  }
  if (model.failures !== null) {
    const f = model.failures;
    const counts = f.byPipeline.map((c) => `<li><b>${escapeHtml(c.pipeline)}</b>: ${c.request} failed request(s), ${c.scoring} unscored item(s)</li>`).join("");
    const body = f.rows
      .map((r) => `<tr><td>${escapeHtml(r.item)}</td><td>${escapeHtml(r.pipeline)}</td><td>${escapeHtml(r.stage)}</td><td>${escapeHtml(r.tier ?? "")}</td><td><code>${escapeHtml(r.code ?? "")}</code> ${escapeHtml(r.message)}</td></tr>`)
      .join("\n");
    const more = f.total > f.rows.length ? `<p class="muted">…and ${f.total - f.rows.length} more in results.json.</p>` : "";
    out.push(
      `<section id="failures"><h2>Failed rows</h2><p>${f.total} row(s) failed after retries or could not be scored. They count in the figures above; none was dropped.</p><ul>${counts}</ul>` +
        `<div class="table-wrap"><table class="plain"><thead><tr><th>Item</th><th>Pipeline</th><th>Stage</th><th>Tier</th><th>Error</th></tr></thead><tbody>${body}</tbody></table></div>${more}</section>`,
    );
  }
  return out.join("\n");
}

export function pipelinesHtml(model: ReportModel): string {
  const items = model.pipelines.map((p) => {
    const prices = p.prices.length === 0 ? "" : `<ul class="prices">${p.prices.map((t) => `<li>${escapeHtml(t)}</li>`).join("")}</ul>`;
    return `<li><span class="swatch" style="background:${p.color}"></span><b>${escapeHtml(p.name)}</b>: ${escapeHtml(p.chain || "no tiers")}${prices}</li>`;
  });
  const warmup = model.run.warmupNote === null ? "" : `<p class="muted">Warm-up: ${escapeHtml(model.run.warmupNote)}</p>`;
  return `<ul class="pipelines">${items.join("")}</ul>${warmup}`;
}

/** With repeated traffic: how much of the chain's saving is the cache's, and how much the compact tier's. */
export function cacheAttributionHtml(model: ReportModel): string {
  if (model.run.cacheAttribution.length === 0) return "";
  return `<section id="cache-attribution"><h2>What the cache saves, what the compact tier saves</h2>${model.run.cacheAttribution.map((l) => `<p>${escapeHtml(l)}</p>`).join("")}</section>`;
}

export function provenanceLegend(): string {
  const keys = ["measured", "modeled", "not_measured", "mixed"] as const;
  return `<dl class="legend-prov">${keys.map((k) => `<div><dt>${badge({ provenance: k, details: [] })}</dt><dd>${escapeHtml(PROVENANCE_MEANING[k])}</dd></div>`).join("")}</dl>`;
}
