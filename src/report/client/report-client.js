// The report's browser script, inlined into index.html after uPlot. It draws the two axis charts (quality vs cost, latency
// percentiles) and the optional GPU telemetry chart from the JSON block, keeps them as wide as their box, and sets
// window.__frugalReportReady (ms since navigation start) once every chart has drawn, for tests and the open-time bench.
// Plain ES2020, no build step: it must run as written in any current browser, offline. User text only ever reaches the DOM
// through textContent or canvas fillText, never innerHTML.
// It runs inside the same function scope as chart-kit.js (see assets.ts), whose helpers it uses.
var data = JSON.parse(document.getElementById("frugal-data").textContent);
var charts = [];
var pending = 0;
// Every chart's width is read before any chart is built: one layout of the page instead of one per chart (each uPlot
// inserted into the page would make the next width read lay the page out again).
var initialWidths = new Map();
["chart-pareto", "chart-latency", "chart-gpu"].forEach(function (id) {
  var el = document.getElementById(id);
  if (el) initialWidths.set(el, chartWidth(el));
});
function widthOf(el) { return initialWidths.has(el) ? initialWidths.get(el) : chartWidth(el); }

function fmtQuality(v) { return data.qualityIsShare ? formatShare(v) : formatNumber(v); }

function onDrawnOnce() {
  var done = false;
  pending += 1;
  return function () {
    if (done) return;
    done = true;
    pending -= 1;
    if (pending === 0) markReady();
  };
}

function markReady() {
  requestAnimationFrame(function () {
    window.__frugalReportReady = performance.now();
    document.documentElement.setAttribute("data-charts-ready", "true");
  });
}

function pareto(el) {
  var pts = data.pipelines.filter(function (p) { return p.quality != null && p.cost != null; });
  var unknownQuality = data.pipelines.filter(function (p) { return p.quality == null && p.cost != null; });
  // The curves come drawn-ready from the report (html.ts paretoCurves: one point per cost, sorted), the same list its
  // legend is made from. Where the chain's quality is unknown (a modeled LLM), the quality of the compact answers kept is
  // still measured: it is drawn as its own dotted curve, never joined to the chain's.
  var sweep = data.sweep.chain;
  var compactCurve = data.sweep.compact;
  var sweepMap = new Map(sweep.map(function (s) { return [s.cost, s]; }));
  var compactMap = new Map(compactCurve.map(function (s) { return [s.cost, s]; }));
  var rec = data.recommended;
  if (pts.length === 0 && sweep.length === 0 && compactCurve.length === 0 && unknownQuality.length === 0) {
    return empty(el, "No pipeline has a cost figure, so there is no quality-vs-cost point to draw.");
  }
  var xsSet = new Set();
  pts.forEach(function (p) { xsSet.add(p.cost); });
  unknownQuality.forEach(function (p) { xsSet.add(p.cost); });
  sweep.forEach(function (s) { xsSet.add(s.cost); });
  compactCurve.forEach(function (s) { xsSet.add(s.cost); });
  if (rec) xsSet.add(rec.cost);
  var xs = Array.from(xsSet).sort(function (a, b) { return a - b; });
  var index = new Map(xs.map(function (x, i) { return [x, i]; }));
  function column(entries, pick) {
    var col = xs.map(function () { return null; });
    entries.forEach(function (e) { col[index.get(e.cost)] = pick(e); });
    return col;
  }
  // A linear cost axis: the distance between a $0.00004 chain and a $0.0004 dense call is the story, a log axis hides it.
  var allCosts = xs.concat(unknownQuality.map(function (p) { return p.cost; }));
  var xRange = paddedRange(allCosts.concat([0]), false);
  var ys = pts.map(function (p) { return p.quality; }).concat(sweep.map(function (s) { return s.quality; }))
    .concat(compactCurve.map(function (s) { return s.quality; })).concat(rec ? [rec.quality] : []);
  // With no quality at all (every LLM modeled), the chart still places each pipeline's cost, on an empty quality axis.
  var yMin = ys.length ? Math.min.apply(null, ys) : 0, yMax = ys.length ? Math.max.apply(null, ys) : 1;
  var yPad = Math.max((yMax - yMin) * 0.12, Math.abs(yMax) * 0.01, 0.01);
  var series = [{}], columns = [xs];
  if (sweep.length > 0) {
    // Dashed when the curve rests on an assumed LLM accuracy (modeled), solid when every quality on it was measured.
    var assumed = sweep.some(function (s) { return s.assumed; });
    // A single point is no line: it is drawn larger, as the legend's dot says.
    series.push({ label: "sweep", stroke: data.sweep.color, width: 2, spanGaps: true, dash: assumed ? [7, 5] : undefined, points: { show: true, size: sweep.length === 1 ? 10 : 5, fill: data.sweep.color } });
    columns.push(column(sweep, function (s) { return s.quality; }));
  }
  if (compactCurve.length > 0) {
    series.push({ label: "compact answers kept", stroke: data.sweep.color, width: 1.5, spanGaps: true, dash: [2, 4], points: { show: true, size: compactCurve.length === 1 ? 8 : 4, fill: "#ffffff", stroke: data.sweep.color } });
    columns.push(column(compactCurve, function (s) { return s.quality; }));
  }
  pts.forEach(function (p) {
    series.push({ label: p.name, stroke: p.color, width: 0, paths: function () { return null; }, points: { show: true, size: 13, fill: p.color, stroke: "#ffffff", width: 2 } });
    columns.push(column([p], function (e) { return e.quality; }));
  });
  if (rec) {
    series.push({ label: "recommended", stroke: "#111827", width: 0, paths: function () { return null; }, points: { show: true, size: 21, fill: "rgba(0,0,0,0)", stroke: "#111827", width: 2.5 } });
    columns.push(column([rec], function (e) { return e.quality; }));
  }
  var opts = {
    width: widthOf(el), height: heightFor(widthOf(el)),
    legend: { show: false },
    cursor: { points: { size: 8 }, drag: { x: false, y: false } },
    scales: {
      x: { time: false, range: function () { return xRange; } },
      y: { range: function () { return [Math.max(0, yMin - yPad), data.qualityIsShare ? Math.min(1, yMax + yPad) : yMax + yPad]; } },
    },
    axes: [
      { label: "Cost per request (USD)", font: FONT, labelFont: FONT, grid: GRID, ticks: TICKS, stroke: "#475569", space: 90,
        values: function (u, splits) { return splits.map(function (v) { return v == null ? "" : formatUsd(v); }); } },
      { label: data.qualityLabel, font: FONT, labelFont: FONT, grid: GRID, ticks: TICKS, stroke: "#475569", size: 56,
        values: function (u, splits) { return splits.map(function (v) { return v == null ? "" : fmtQuality(v); }); } },
    ],
    series: series,
    hooks: {
      draw: [function (u) {
        var px = uPlot.pxRatio, top = u.bbox.top, bottom = u.bbox.top + u.bbox.height;
        unknownQuality.forEach(function (p) {
          var x = u.valToPos(p.cost, "x", true);
          var ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = p.color; ctx.lineWidth = 2 * px; ctx.setLineDash([6 * px, 4 * px]);
          ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, bottom); ctx.stroke();
          ctx.restore();
          // Written up along its line, where the sweep (always cheaper than the dense call it replaces) rarely reaches.
          ctx.save();
          ctx.translate(x - 7 * px, bottom - 6 * px);
          ctx.rotate(-Math.PI / 2);
          drawLabel(u, 0, 0, p.name + ": quality not measured", p.color, "left");
          ctx.restore();
        });
        // On the compact curve the point's height is the compact answers' quality, not the chain's: the label says so.
        var recName = rec ? "recommended" + (rec.threshold == null ? "" : " (threshold " + rec.threshold + ")") +
          (rec.on === "compact" ? ", compact part" : rec.assumed ? ", modeled" : "") : "";
        var placed = [];
        pts.forEach(function (p) {
          var same = rec && rec.cost === p.cost && rec.quality === p.quality;
          var x = u.valToPos(p.cost, "x", true), right = x > u.bbox.left + u.bbox.width * 0.7;
          drawLabel(u, x + (right ? -14 : 14) * px, u.valToPos(p.quality, "y", true) - 14 * px, same ? p.name + " · " + recName : p.name, "#0f172a", right ? "right" : "left", placed);
        });
        if (rec && !pts.some(function (p) { return p.cost === rec.cost && p.quality === rec.quality; })) {
          var rx = u.valToPos(rec.cost, "x", true), ry = u.valToPos(rec.quality, "y", true);
          var recRight = rx > u.bbox.left + u.bbox.width * 0.55;
          drawLabel(u, rx + (recRight ? -14 : 14) * px, ry + 16 * px, recName, "#111827", recRight ? "right" : "left", placed);
        }
      }],
      setCursor: [function (u) {
        var i = u.cursor.idx;
        if (i == null) return setReadout("readout-pareto", "");
        var x = xs[i], parts = [];
        pts.forEach(function (p) { if (p.cost === x) parts.push(p.name + ": " + fmtQuality(p.quality) + " at " + formatUsd(p.cost) + " per request"); });
        var s = sweepMap.get(x);
        if (s) parts.push("threshold " + s.threshold + ": " + fmtQuality(s.quality) + " at " + formatUsd(s.cost) + ", " + formatShare(s.coverage) + " kept by the first tier");
        var c = compactMap.get(x);
        if (c) parts.push("threshold " + c.threshold + ": compact answers kept " + fmtQuality(c.quality) + " on " + formatShare(c.coverage) + ", chain quality not measured, " + formatUsd(c.cost) + " per request");
        setReadout("readout-pareto", parts.join(" · "));
      }],
    },
  };
  opts.hooks.draw.push(onDrawnOnce());
  charts.push({ el: el, plot: new uPlot(opts, columns, el) });
}

function latency(el) {
  var ps = data.pipelines.filter(function (p) { return p.percentiles && p.percentiles.length > 0; });
  if (ps.length === 0) return empty(el, "No pipeline has a latency figure.");
  var xsSet = new Set();
  ps.forEach(function (p) { p.percentiles.forEach(function (q) { xsSet.add(nines(q.p)); }); });
  var xs = Array.from(xsSet).sort(function (a, b) { return a - b; });
  var columns = [xs], series = [{}], all = [];
  ps.forEach(function (p) {
    var byX = new Map(p.percentiles.map(function (q) { return [nines(q.p), q.ms]; }));
    var col = xs.map(function (x) { return byX.has(x) ? byX.get(x) : null; });
    col.forEach(function (v) { if (v != null) all.push(v); });
    var dashed = p.latencyProvenance !== "measured";
    series.push({ label: p.name, stroke: p.color, width: 2.5, spanGaps: true, dash: dashed ? [7, 5] : undefined,
      points: { show: true, size: 7, fill: p.color } });
    columns.push(col);
  });
  if (data.sloP95Ms != null) {
    all.push(data.sloP95Ms);
    series.push({ label: "SLO", stroke: "#dc2626", width: 1.5, dash: [4, 4], points: { show: false } });
    columns.push(xs.map(function () { return data.sloP95Ms; }));
  }
  var log = logWorthy(all);
  var yRange = paddedRange(all, log);
  var opts = {
    width: widthOf(el), height: heightFor(widthOf(el)),
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    scales: {
      x: { time: false, range: function () { return [xs[0] - 0.15, xs[xs.length - 1] + 0.15]; } },
      y: { distr: log ? 3 : 1, log: 10, range: function () { return yRange; } },
    },
    axes: [
      { label: "Percentile", font: FONT, labelFont: FONT, grid: GRID, ticks: TICKS, stroke: "#475569",
        splits: function () { return xs; },
        // On a narrow chart, P90/P95 and P99.9/P99.99 sit close: labels that would touch are left out, the SLO's P95
        // and P50/P99 placed first.
        values: function (u, splits) {
          var shown = [], hidden = new Set(), key = [nines(50), nines(95), nines(99)];
          var order = splits.map(function (x, i) { return i; }).sort(function (a, b) {
            return (key.some(function (k) { return Math.abs(k - splits[b]) < 1e-9; }) ? 1 : 0) - (key.some(function (k) { return Math.abs(k - splits[a]) < 1e-9; }) ? 1 : 0);
          });
          order.forEach(function (i) {
            var pos = u.valToPos(splits[i], "x");
            if (shown.every(function (p) { return Math.abs(p - pos) >= 34; })) shown.push(pos);
            else hidden.add(i);
          });
          return splits.map(function (x, i) { return hidden.has(i) ? "" : pLabel(x); });
        } },
      { label: "Latency" + (log ? " (log scale)" : ""), font: FONT, labelFont: FONT, grid: GRID, ticks: TICKS, stroke: "#475569", size: 64,
        splits: log ? function () { return logSplits(yRange); } : undefined,
        values: function (u, splits) { return splits.map(function (v) { return v == null ? "" : formatMs(v); }); } },
    ],
    series: series,
    hooks: {
      draw: [function (u) {
        if (data.sloP95Ms == null) return;
        var px = uPlot.pxRatio, y = u.valToPos(data.sloP95Ms, "y", true);
        drawLabel(u, u.bbox.left + 6 * px, y - 10 * px, "SLO: P95 ≤ " + formatMs(data.sloP95Ms), "#b91c1c", "left");
      }],
      setCursor: [function (u) {
        var i = u.cursor.idx;
        if (i == null) return setReadout("readout-latency", "");
        var parts = ps.map(function (p, k) { var v = columns[k + 1][i]; return v == null ? null : p.name + " " + formatMs(v); }).filter(Boolean);
        setReadout("readout-latency", pLabel(xs[i]) + ": " + parts.join(" · "));
      }],
    },
  };
  opts.hooks.draw.push(onDrawnOnce());
  charts.push({ el: el, plot: new uPlot(opts, columns, el) });
}

function gpu(el) {
  var samples = data.gpu;
  if (!samples || samples.length === 0) return;
  var opts = {
    width: widthOf(el), height: 260,
    legend: { show: true, live: false },
    scales: { x: { time: false }, pct: { range: [0, 100] }, w: { auto: true } },
    axes: [
      { label: "Seconds since the first GPU reading", font: FONT, labelFont: FONT, grid: GRID, ticks: TICKS, stroke: "#475569" },
      { scale: "pct", label: "Utilization %", font: FONT, labelFont: FONT, grid: GRID, ticks: TICKS, stroke: "#475569" },
      { scale: "w", side: 1, label: "Power (W)", font: FONT, labelFont: FONT, grid: { show: false }, ticks: TICKS, stroke: "#475569" },
    ],
    series: [{}, { label: "GPU utilization (%)", scale: "pct", stroke: "#0f766e", width: 2, fill: "rgba(15,118,110,0.08)" },
      { label: "Power (W)", scale: "w", stroke: "#c2410c", width: 1.5 }],
    hooks: { draw: [onDrawnOnce()] },
  };
  var columns = [samples.map(function (s) { return s.t_s; }), samples.map(function (s) { return s.utilization_pct; }), samples.map(function (s) { return s.power_w; })];
  charts.push({ el: el, plot: new uPlot(opts, columns, el) });
}

function build(id, fn) {
  var el = document.getElementById(id);
  if (!el) return;
  try { fn(el); } catch (error) {
    console.error("frugal report: the chart " + id + " could not be drawn", error);
    empty(el, "This chart could not be drawn: " + (error && error.message ? error.message : String(error)));
  }
}

pending += 1; // held until every chart is constructed, so a chart drawing synchronously cannot mark the page ready early
build("chart-pareto", pareto);
build("chart-latency", latency);
build("chart-gpu", gpu);
pending -= 1;
if (pending === 0) markReady();

// Charts follow their box: window resizes, the responsive grid changing columns, and print layout.
if (typeof ResizeObserver === "function") {
  var ro = new ResizeObserver(function () {
    charts.forEach(function (c) {
      var w = chartWidth(c.el);
      if (Math.abs(w - c.plot.width) > 1) c.plot.setSize({ width: w, height: c.el.id === "chart-gpu" ? 260 : heightFor(w) });
    });
  });
  charts.forEach(function (c) { ro.observe(c.el); });
}
