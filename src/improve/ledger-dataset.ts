/**
 * Ledger rows → labeled texts for distillation. Two sources, both kept apart because they are evaluated apart:
 * - `llm`: task rows the LLM tier answered (status 200, not a cache hit) with a stored body `{input, output, tier_kind}` —
 *   the (redacted) input and the LLM's label. Bodies exist only for tasks with `store_bodies: true`.
 * - `gold`: feedback rows (`POST /v1/feedback`), joined to their request's stored input by request id; gold wins over the
 *   LLM for the same request.
 * Rows come out in ledger order; one row per text, gold over LLM and labels outside the task's set are distillCandidate's
 * business (distill-split.ts), which counts what it drops in its report.
 */
import { FrugalError } from "../core/errors.ts";
import type { LedgerRow, LedgerStore } from "../ledger/index.ts";
import type { LabeledText } from "./distill-core.ts";

export interface LedgerDatasetOptions {
  task: string;
  /** Inclusive lower bound on the rows' ts (ISO 8601). */
  since?: string;
  /** For rows written before bodies said who answered: whether a tier name is an LLM tier of the task. */
  isLlmTier: (tier: string) => boolean;
}

export interface LedgerDatasetStats {
  /** Task rows of this task read (any tier, with or without a body). */
  taskRows: number;
  withBody: number;
  llmAnswered: number;
  feedback: number;
  /** Feedback whose request has no stored input (its task did not store bodies then), or whose answer is not a label. */
  feedbackWithoutInput: number;
}

export interface LedgerDataset {
  distilled: LabeledText[];
  gold: LabeledText[];
  stats: LedgerDatasetStats;
}

interface TaskBody {
  input: string;
  label: string | undefined;
  tierKind: string | undefined;
}

export function parseJson(text: string | null): Record<string, unknown> | undefined {
  if (text === null) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function taskBodyOf(row: LedgerRow): TaskBody | undefined {
  const body = parseJson(row.body);
  if (body === undefined || typeof body.input !== "string") return undefined;
  const output = body.output as { kind?: unknown; label?: unknown } | undefined;
  return {
    input: body.input,
    label: output?.kind === "classify" && typeof output.label === "string" ? output.label : undefined,
    tierKind: typeof body.tier_kind === "string" ? body.tier_kind : undefined,
  };
}

/** Every row of the ledger from `since` on, page by page through the store's export (the one read path every store has). */
export async function readLedgerRows(ledger: LedgerStore, since: string | undefined, keep: (row: LedgerRow) => boolean): Promise<LedgerRow[]> {
  const rows: LedgerRow[] = [];
  let rest = "";
  await ledger.exportRows({ format: "jsonl", ...(since !== undefined ? { from: since } : {}) }, (chunk) => {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) {
      if (line === "") continue;
      const row = JSON.parse(line) as LedgerRow;
      if (keep(row)) rows.push(row);
    }
  });
  return rows;
}

export async function datasetFromLedger(ledger: LedgerStore, options: LedgerDatasetOptions): Promise<LedgerDataset> {
  const rows = await readLedgerRows(ledger, options.since, (r) => (r.kind === "task" || r.kind === "feedback") && r.target === options.task);
  const stats: LedgerDatasetStats = { taskRows: 0, withBody: 0, llmAnswered: 0, feedback: 0, feedbackWithoutInput: 0 };
  const inputs = new Map<string, string>();
  const distilled: LabeledText[] = [];
  // Per request, the latest feedback: a correction sent later replaces the first answer.
  const gold = new Map<string, string>();
  for (const row of rows) {
    if (row.kind === "task") {
      stats.taskRows++;
      const body = row.status === 200 ? taskBodyOf(row) : undefined;
      if (body === undefined) continue;
      stats.withBody++;
      inputs.set(row.requestId, body.input);
      const byLlm = body.tierKind !== undefined ? body.tierKind === "llm" : row.tier !== null && options.isLlmTier(row.tier);
      if (!byLlm || row.cacheHit || body.label === undefined) continue;
      stats.llmAnswered++;
      distilled.push({ text: body.input, label: body.label, source: "llm" });
      continue;
    }
    stats.feedback++;
    const answer = parseJson(row.body)?.answer;
    if (!inputs.has(row.requestId) || typeof answer !== "string") stats.feedbackWithoutInput++;
    else gold.set(row.requestId, answer);
  }
  return { distilled, gold: [...gold].map(([id, label]) => ({ text: inputs.get(id)!, label, source: "gold" as const })), stats };
}

/** The one-line reason a dataset cannot be distilled, or undefined when it can. */
export function emptyDatasetReason(task: string, storeBodies: boolean, dataset: { distilled: readonly unknown[]; gold: readonly unknown[]; stats: LedgerDatasetStats }, where: string): string | undefined {
  if (dataset.distilled.length + dataset.gold.length > 0) return undefined;
  const s = dataset.stats;
  if (s.withBody === 0 && !storeBodies) return `task ${task} does not store bodies: set \`store_bodies: true\` on it in frugal.yaml, serve traffic, then distill`;
  if (s.withBody === 0) return `no ledger row of task ${task} holds a body in ${where} (store_bodies is on: serve traffic, then distill)`;
  return `no LLM-answered or gold-labeled rows of task ${task} in ${where} (${s.withBody} rows with bodies, none answered by the LLM tier)`;
}

export function checkDistillable(task: string, kind: string): void {
  if (kind !== "classify") throw new FrugalError("input_invalid", `task ${task} is an ${kind} task: distillTask trains classifiers (extract tasks: distillExtractTask, distill-extract.ts)`);
}
