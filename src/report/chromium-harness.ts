/**
 * Opens reports in Debian's headless chromium through playwright-core, for the report's tests and the open-time bench
 * (never imported by the CLI: playwright-core is a dev dependency). Records what a reader would notice: console errors,
 * page errors, dialogs, and any request that is not the report file itself (the report must work offline).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext, type CDPSession, type Page } from "playwright-core";

export const CHROMIUM_PATH = process.env.FRUGAL_CHROMIUM_PATH ?? "/usr/bin/chromium";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export interface ReportBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh profile per launch (playwright passes it as --user-data-dir), removed on close. */
export async function launchReportBrowser(options: { width?: number; height?: number } = {}): Promise<ReportBrowser> {
  const profile = mkdtempSync(join(tmpdir(), "frugal-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface OpenedReport {
  page: Page;
  consoleErrors: string[];
  pageErrors: string[];
  dialogs: string[];
  /** Requests to anything but the report file (and inline data: URLs); offline, this must stay empty. */
  foreignRequests: string[];
  failedRequests: string[];
  /** window.__frugalReportReady: ms from navigation start until every chart has drawn. */
  readyMs: number;
  /**
   * With `measureCpu`: CPU time of the page's main thread from before navigation to ready (Chromium's ThreadTime metric),
   * which waiting for a loaded machine's cores does not inflate the way it inflates wall time.
   */
  mainThreadCpuMs?: number;
}

async function threadTime(session: CDPSession): Promise<number> {
  const { metrics } = await session.send("Performance.getMetrics");
  return (metrics.find((m) => m.name === "ThreadTime")?.value ?? Number.NaN) * 1000;
}

export async function openReport(browser: ReportBrowser, htmlFile: string, options: { timeoutMs?: number; measureCpu?: boolean } = {}): Promise<OpenedReport> {
  const page = await browser.context.newPage();
  const session = options.measureCpu === true ? await browser.context.newCDPSession(page) : undefined;
  if (session !== undefined) await session.send("Performance.enable");
  const cpuBefore = session === undefined ? 0 : await threadTime(session);
  const url = pathToFileURL(htmlFile).href;
  const opened: Omit<OpenedReport, "readyMs"> = { page, consoleErrors: [], pageErrors: [], dialogs: [], foreignRequests: [], failedRequests: [] };
  page.on("console", (message) => {
    if (message.type() === "error") opened.consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => opened.pageErrors.push(error.message));
  page.on("dialog", (dialog) => {
    opened.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on("request", (request) => {
    if (request.url() !== url && !request.url().startsWith("data:")) opened.foreignRequests.push(request.url());
  });
  page.on("requestfailed", (request) => opened.failedRequests.push(`${request.url()}: ${request.failure()?.errorText ?? "failed"}`));
  await page.goto(url, { waitUntil: "load" });
  const handle = await page.waitForFunction(() => (globalThis as unknown as { __frugalReportReady?: number }).__frugalReportReady, undefined, {
    timeout: options.timeoutMs ?? 15_000,
  });
  const readyMs = Number(await handle.jsonValue());
  if (session === undefined) return { ...opened, readyMs };
  const mainThreadCpuMs = (await threadTime(session)) - cpuBefore;
  await session.detach();
  return { ...opened, readyMs, mainThreadCpuMs };
}
