/**
 * The files a report inlines: uPlot (from node_modules, resolved like any dependency so an upgrade is picked up) and the
 * report's own browser script and stylesheet (src/report/client). Read at render time; nothing is fetched by the page.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { FrugalError } from "../core/errors.ts";

export interface ReportAssets {
  uplotJs: string;
  uplotCss: string;
  clientJs: string;
  clientCss: string;
}

function read(path: string | URL, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new FrugalError("internal", `cannot read ${what} (${String(path)}): is the installation complete?`, { cause: error });
  }
}

/** Inline <script>/<style> blocks end at the first `</script` or `</style`; a dependency must never contain one. */
function inlineSafe(text: string, tag: "script" | "style"): string {
  return text.replace(new RegExp(`</(${tag})`, "gi"), "<\\/$1");
}

/**
 * number-format.js is an ES module (Node imports it) but the page inlines it into one function scope with the other
 * fragments: its `export` keywords are dropped there, which leaves plain declarations.
 */
function asFragment(moduleText: string): string {
  return moduleText.replace(/^export /gm, "");
}

export function loadReportAssets(): ReportAssets {
  const require = createRequire(import.meta.url);
  return {
    uplotJs: inlineSafe(read(require.resolve("uplot/dist/uPlot.iife.min.js"), "uPlot"), "script"),
    uplotCss: inlineSafe(read(require.resolve("uplot/dist/uPlot.min.css"), "uPlot's stylesheet"), "style"),
    // One function scope for both fragments: the helpers stay private to the page, and strict mode covers both.
    clientJs: inlineSafe(
      `(function () {\n"use strict";\n${asFragment(read(new URL("./client/number-format.js", import.meta.url), "the number formats"))}\n${read(new URL("./client/chart-kit.js", import.meta.url), "the chart helpers")}\n${read(new URL("./client/report-client.js", import.meta.url), "the report script")}\n})();\n`,
      "script",
    ),
    clientCss: inlineSafe(read(new URL("./client/report.css", import.meta.url), "the report stylesheet"), "style"),
  };
}
