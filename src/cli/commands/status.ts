/**
 * `frugal status [--url http://127.0.0.1:8787] [--json]`: what a running gateway serves per task, read from its admin
 * route `GET /admin/status` with FRUGAL_ADMIN_KEY: the threshold served and the certified one, the drift guard's state,
 * the audits and the kept-error estimate with its one-sided 95% bounds.
 */
import type { Command } from "commander";
import { FrugalError } from "../../core/errors.ts";
import type { AdminStatus, StreamStatus } from "../../gateway/audit/types.ts";
import { outColors } from "../colors.ts";
import { runCommand } from "../run-command.ts";

interface StatusFlags {
  url: string;
  json?: boolean;
}

/** The admin status of the gateway at `url`; one clean error line when it cannot be read. */
export async function fetchStatus(options: { url: string; adminKey: string | undefined }): Promise<AdminStatus> {
  if (options.adminKey === undefined || options.adminKey.trim() === "") {
    throw new FrugalError("unauthorized", "set FRUGAL_ADMIN_KEY to the gateway's admin key (its admin routes are off without one)");
  }
  const url = `${options.url.replace(/\/+$/, "")}/admin/status`;
  let response: Response;
  try {
    response = await fetch(url, { headers: { authorization: `Bearer ${options.adminKey.trim()}` } });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new FrugalError("upstream_unavailable", `cannot reach the gateway at ${options.url}: ${cause?.code ?? cause?.message ?? String(error)}`);
  }
  const body = (await response.json().catch(() => undefined)) as (AdminStatus & { error?: { message?: string; code?: string } }) | undefined;
  if (!response.ok || body === undefined || !Array.isArray(body.tasks)) {
    // The gateway's own words (a wrong admin key, admin routes off), under the code its status means here.
    const message = body?.error?.message ?? `HTTP ${response.status}`;
    throw new FrugalError(response.status === 401 ? "unauthorized" : response.status === 404 ? "not_found" : "upstream_unavailable", `${url}: ${message}`);
  }
  return body;
}

const num = (value: number | null, digits = 4): string => (value === null ? "-" : value.toFixed(digits));
const threshold = (value: number | null): string => (value === null ? "none (all escalate)" : value.toFixed(4));

function streamLine(s: StreamStatus): string {
  const guard = s.guard === "tripped" ? outColors.red("tripped") : s.guard === "clear" ? outColors.green("clear") : outColors.dim("off");
  const estimate = s.audits === 0 ? "no audits" : `kept error ${num(s.kept_error)} (95%: ${num(s.kept_error_lower)}–${num(s.kept_error_upper)}) over ${s.audits} audits, ${s.disagreements} disagree`;
  const since = s.since === null ? "" : outColors.dim(` since ${s.since}`);
  return `  ${s.field ?? "label"}: threshold ${threshold(s.served_threshold)} (certified ${threshold(s.certified_threshold)}), guard ${guard}${since}; ${estimate}`;
}

/** The status as people read it: one block per task. */
export function formatStatus(status: AdminStatus): string {
  if (status.tasks.length === 0) return "the gateway serves no task\n";
  const lines: string[] = [];
  for (const task of status.tasks) {
    const audit = task.audit;
    const head = audit === null ? outColors.dim("audits off") : `audits ${audit.rate} of kept answers (${audit.tripped_rate} while tripped) by ${audit.llm_tier ?? "no LLM tier"}, ε ${audit.epsilon ?? "?"} (${audit.epsilon_from ?? "unknown"}), ${audit.action}`;
    lines.push(`${outColors.bold(task.task)} (${task.kind}, model ${task.model ?? "none"}): ${head}`);
    for (const s of task.streams) lines.push(streamLine(s));
    const o = task.outcomes;
    if (audit !== null) lines.push(outColors.dim(`  audits: ${o.agree} agree, ${o.disagree} disagree, ${o.error} failed, ${o.dropped} dropped (busy), ${o.over_budget} over budget, ${o.unavailable} without an LLM`));
  }
  return `${lines.join("\n")}\n`;
}

async function statusAction(flags: StatusFlags): Promise<void> {
  const status = await fetchStatus({ url: flags.url, adminKey: process.env.FRUGAL_ADMIN_KEY });
  process.stdout.write(flags.json === true ? `${JSON.stringify(status)}\n` : formatStatus(status));
}

export function registerStatusCommand(program: Command): void {
  program
    .command("status")
    .description("a running gateway's tasks: thresholds served, drift guard, audits and kept-error bounds (needs FRUGAL_ADMIN_KEY)")
    .option("--url <url>", "the gateway", "http://127.0.0.1:8787")
    .option("--json", "the admin status object on stdout")
    .action(runCommand((flags: StatusFlags) => statusAction(flags)));
}
