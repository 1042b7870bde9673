// Drawing helpers for the report's charts: sizes, axis ranges and ticks, canvas labels. A fragment, not a
// module: assets.ts inlines it and report-client.js inside one function scope (no globals, no build step), so the two
// files read as one script. Number formats come from number-format.js, inlined before this file (the same module the CLI
// and the Markdown use). Plain ES2020; user text reaches the canvas only through fillText.
var FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif';
var GRID = { stroke: "#e2e8f0", width: 1 };
var TICKS = { stroke: "#cbd5e1", width: 1, size: 4 };

// Percentiles on a "nines" axis (P50, P90, P99, P99.9 evenly spaced), the way HDR histograms are read.
function nines(p) { return -Math.log10(1 - p / 100); }
function pLabel(x) { var p = 100 * (1 - Math.pow(10, -x)); return "P" + String(Math.round(p * 100) / 100); }

function chartWidth(el) { return Math.max(280, Math.floor(el.clientWidth || el.getBoundingClientRect().width || 560)); }
function heightFor(width) { return Math.round(Math.min(340, Math.max(240, width * 0.58))); }

function empty(el, text) {
  var p = document.createElement("p");
  p.className = "empty";
  p.textContent = text;
  el.appendChild(p);
}

// A log axis when values span more than a decade, so a 2 ms compact answer and a 900 ms LLM call both show.
function logWorthy(values) {
  var min = Infinity, max = -Infinity;
  values.forEach(function (v) { if (v != null) { min = Math.min(min, v); max = Math.max(max, v); } });
  return min > 0 && max / min >= 10;
}
function paddedRange(values, log) {
  var vs = values.filter(function (v) { return v != null && isFinite(v); });
  var min = Math.min.apply(null, vs), max = Math.max.apply(null, vs);
  if (log) return [min / 1.6, max * 1.6];
  var pad = (max - min) * 0.08 || Math.abs(max) * 0.1 || 1;
  return [Math.max(0, min - pad), max + pad];
}

// Log-axis ticks at 1-2-5 steps (decades only when that is too many): uPlot's default log ticks crowd the labels.
function logSplits(range) {
  var out = [], lo = Math.floor(Math.log10(range[0])), hi = Math.ceil(Math.log10(range[1]));
  for (var k = lo; k <= hi; k++) [1, 2, 5].forEach(function (m) { var v = m * Math.pow(10, k); if (v >= range[0] && v <= range[1]) out.push(v); });
  return out.length > 9 ? out.filter(function (v) { return Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9; }) : out;
}

function setReadout(id, text) { var el = document.getElementById(id); if (el) el.textContent = text; }

// Canvas labels; `placed` (optional) collects the boxes already drawn so close points do not print over each other:
// a label that would overlap one is moved down (then up) a line at a time.
function drawLabel(u, x, y, text, color, align, placed) {
  var ctx = u.ctx, px = uPlot.pxRatio, line = 15 * px;
  ctx.save();
  ctx.font = FONT.replace("12px", Math.round(12 * px) + "px");
  ctx.fillStyle = color;
  ctx.textAlign = align || "left";
  ctx.textBaseline = "middle";
  if (placed) {
    var w = ctx.measureText(text).width, left = align === "right" ? x - w : x;
    var overlaps = function (yy) {
      return placed.some(function (b) { return left < b.x + b.w && left + w > b.x && Math.abs(yy - b.y) < line; });
    };
    var tries = [0, 1, -1, 2, -2, 3, -3], k = 0;
    while (k < tries.length - 1 && overlaps(y + tries[k] * line)) k++;
    y += tries[k] * line;
    placed.push({ x: left, y: y, w: w });
  }
  // A white halo keeps a label readable where it crosses a curve or a grid line.
  ctx.strokeStyle = "rgba(255,255,255,0.92)";
  ctx.lineWidth = 4 * px;
  ctx.lineJoin = "round";
  ctx.strokeText(text, x, y);
  ctx.fillText(text, x, y);
  ctx.restore();
}

