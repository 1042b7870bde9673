/**
 * What `frugal models list` and `GET /admin/models/{task}` show: a task's versions with their status, certificate and
 * shadow counts. One view for both, read from the registry (and, on a running gateway, its live shadow counts).
 */
import { CONFIG_VERSION, type ModelRegistry } from "./registry.ts";
import { summarizeShadow, resumeShadowStats, type ShadowStats, type ShadowSummary } from "./shadow.ts";

export interface VersionView {
  version: string;
  status: "current" | "candidate" | "retired";
  created_at: string | null;
  source: string;
  threshold: number | null;
  epsilon: number | null;
  certified: boolean | null;
  coverage: number | null;
  examples: Record<string, number>;
  shadow: (ShadowSummary & { against: string }) | null;
}

export interface ModelsView {
  task: string;
  current: string;
  /** What rollback would restore (undefined: nothing to roll back). */
  rollback_to: string | undefined;
  versions: VersionView[];
}

export function modelsView(registry: ModelRegistry, task: string, live?: ShadowStats): ModelsView {
  const index = registry.read(task);
  const current = index.current ?? CONFIG_VERSION;
  const shadowOf = (version: string): VersionView["shadow"] => {
    const stats = live?.version === version ? live : (registry.readShadow(task, version) as ShadowStats | undefined);
    if (stats === undefined || stats.requests === undefined) return null;
    const resumed = resumeShadowStats(stats, version, stats.against);
    return { against: resumed.against, ...summarizeShadow(resumed) };
  };
  const configRow: VersionView = {
    version: CONFIG_VERSION,
    status: index.current === null ? "current" : "retired",
    created_at: null,
    source: "frugal.yaml",
    threshold: null,
    epsilon: null,
    certified: null,
    coverage: null,
    examples: {},
    shadow: null,
  };
  return {
    task,
    current,
    rollback_to: index.current === null ? undefined : (index.previous.at(-1) ?? CONFIG_VERSION),
    versions: [
      configRow,
      ...index.versions.map((v) => ({
        version: v.version,
        status: v.status,
        created_at: v.createdAt,
        source: v.source,
        threshold: v.certificate.threshold,
        epsilon: v.certificate.maxError,
        certified: v.certificate.certified,
        coverage: v.certificate.coverage,
        examples: v.examples,
        shadow: shadowOf(v.version),
      })),
    ],
  };
}

const num = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined ? "-" : v.toFixed(digits));

export function formatModelsView(view: ModelsView): string {
  const header = ["version", "status", "threshold", "epsilon", "coverage", "train rows", "shadow n", "agree served", "agree llm", "cov cand/cur"];
  const rows = view.versions.map((v) => [
    v.version,
    v.status,
    num(v.threshold),
    v.epsilon === null ? "-" : String(v.epsilon),
    v.certified === false ? "uncertified" : num(v.coverage),
    Object.keys(v.examples).length === 0 ? "-" : Object.entries(v.examples).map(([k, n]) => `${k} ${n}`).join(", "),
    v.shadow === null ? "-" : String(v.shadow.requests),
    num(v.shadow?.agreement_served),
    v.shadow === null ? "-" : `${num(v.shadow.agreement_llm)} (n=${v.shadow.llm_answered})`,
    v.shadow === null ? "-" : `${num(v.shadow.candidate_coverage)}/${num(v.shadow.current_coverage)}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  const foot = view.rollback_to === undefined ? "" : `rollback would restore: ${view.rollback_to}\n`;
  return `task ${view.task}: serving ${view.current}\n${[line(header), ...rows.map(line)].join("\n")}\n${foot}`;
}
