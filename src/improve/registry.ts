/**
 * The model registry: every compact model version a task has served or may serve, under the data dir:
 *   <data-dir>/registry/<task>/index.json     versions, their status, the current one and the ones before it
 *   <data-dir>/registry/<task>/v<N>.frugal     the model files (checksummed model-file format)
 *   <data-dir>/registry/<task>/shadow-v<N>.json  shadow statistics, written by `frugal serve` (never by the CLI)
 * Versions are counters (v1, v2, …): short to type in `--version`, ordered by age; the file's sha256 is recorded and
 * checked at load, so a replaced file is refused rather than served. `current: null` means the model frugal.yaml names.
 * Writers (the CLI and a running server) change index.json under a lock file and replace it atomically.
 */
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { FrugalError } from "../core/errors.ts";
import { CLASSIFIER_KIND, loadCompactClassifier, saveClassifierFile } from "../compact/classifier-file.ts";
import type { LinearClassifier } from "../compact/linear-classifier.ts";
import type { ModelFileContents } from "../compact/model-file.ts";

export const CONFIG_VERSION = "config";

const certificateSchema = z.object({
  threshold: z.number().nullable(),
  certified: z.boolean(),
  maxError: z.number(),
  confidenceLevel: z.number(),
  coverage: z.number(),
});

const versionSchema = z.object({
  version: z.string(),
  file: z.string(),
  sha256: z.string(),
  status: z.enum(["current", "candidate", "retired"]),
  createdAt: z.string(),
  /** The model file's kind when it is not a classifier (`extractor`): serving and promotion take classifiers only. */
  modelKind: z.string().optional(),
  /** Where it came from: `distill` (ledger rows), with counts by source. */
  source: z.string(),
  examples: z.record(z.string(), z.number()).default({}),
  certificate: certificateSchema,
  /** The distillation report's summary (held-out accuracy, current vs candidate), as distill printed it. */
  report: z.unknown().optional(),
  promotedAt: z.string().optional(),
  retiredAt: z.string().optional(),
});

const indexSchema = z.object({
  task: z.string(),
  /** The served version; null: the model frugal.yaml names (no version promoted yet, or rolled back to it). */
  current: z.string().nullable(),
  /** The versions current before this one, oldest first: what rollback goes back to. */
  previous: z.array(z.string().nullable()),
  versions: z.array(versionSchema),
});

export type ModelVersion = z.output<typeof versionSchema>;
export type RegistryIndex = z.output<typeof indexSchema>;
export type Certificate = z.output<typeof certificateSchema>;

export interface RegisterInput {
  contents: ModelFileContents;
  source: string;
  examples: Record<string, number>;
  certificate: Certificate;
  report?: unknown;
}

export interface PromoteResult {
  promoted: string;
  previous: string | null;
}

export interface RollbackResult {
  /** The version now served (null: the model frugal.yaml names). */
  restored: string | null;
  retired: string;
}

export interface ModelRegistry {
  readonly dir: string;
  read(task: string): RegistryIndex;
  /** Stores the model as a new version with status `candidate`; an older candidate is retired (one shadow at a time). */
  register(task: string, input: RegisterInput): ModelVersion;
  /** Makes `version` (default: the candidate) current; the current one is retired and remembered for rollback. */
  promote(task: string, version?: string): PromoteResult;
  rollback(task: string): RollbackResult;
  /** Loads a version's model, refusing a file whose sha256 is not the registered one. */
  load(task: string, version: string): LinearClassifier;
  /** When index.json last changed (0: none): a server compares it to notice a registration or promotion. */
  changedAt(task: string): number;
  readShadow(task: string, version: string): unknown;
  writeShadow(task: string, version: string, stats: unknown): void;
}

const TASK_NAME = /^[A-Za-z0-9._-]{1,128}$/;
const LOCK_WAIT_MS = 5000;
const STALE_LOCK_MS = 30_000;

function sha256(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

const sleepSync = (ms: number): void => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms) as unknown as void;

export function openRegistry(dataDir: string): ModelRegistry {
  const dir = join(dataDir, "registry");
  const taskDir = (task: string): string => {
    if (!TASK_NAME.test(task)) throw new FrugalError("input_invalid", `task name "${task}" cannot name a registry folder (letters, digits, . _ - only)`);
    return join(dir, task);
  };
  const indexFile = (task: string) => join(taskDir(task), "index.json");

  function read(task: string): RegistryIndex {
    const file = indexFile(task);
    if (!existsSync(file)) return { task, current: null, previous: [], versions: [] };
    const parsed = indexSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    if (!parsed.success) throw new FrugalError("input_invalid", `${file}: not a frugal registry index (${parsed.error.issues[0]?.message ?? "invalid"})`);
    return parsed.data;
  }

  /** Read-modify-write of a task's index under its lock file: the CLI and a running server may both change it. */
  function update<T>(task: string, change: (index: RegistryIndex) => T): T {
    mkdirSync(taskDir(task), { recursive: true });
    const lock = join(taskDir(task), "index.lock");
    const deadline = Date.now() + LOCK_WAIT_MS;
    let fd: number | undefined;
    while (fd === undefined) {
      try {
        fd = openSync(lock, "wx");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        // A writer that died holding the lock leaves it behind: past this age it is taken over.
        const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
        if (age > STALE_LOCK_MS) rmSync(lock, { force: true });
        else if (Date.now() > deadline) throw new FrugalError("upstream_unavailable", `${lock}: the registry is locked by another frugal process; retry`);
        else sleepSync(10);
      }
    }
    try {
      const index = read(task);
      const result = change(index);
      writeAtomic(indexFile(task), `${JSON.stringify(index, null, 2)}\n`);
      return result;
    } finally {
      closeSync(fd);
      rmSync(lock, { force: true });
    }
  }

  const find = (index: RegistryIndex, version: string): ModelVersion => {
    const found = index.versions.find((v) => v.version === version);
    if (found === undefined) throw new FrugalError("not_found", `task ${index.task} has no model version ${version} (versions: ${index.versions.map((v) => v.version).join(", ") || "none"})`);
    return found;
  };
  const now = () => new Date().toISOString();

  return {
    dir,
    read,
    register(task, input) {
      return update(task, (index) => {
        const n = index.versions.reduce((max, v) => Math.max(max, Number(v.version.slice(1)) || 0), 0) + 1;
        const version = `v${n}`;
        const file = `${version}.frugal`;
        saveClassifierFile(join(taskDir(task), file), input.contents);
        for (const v of index.versions) {
          if (v.status === "candidate") Object.assign(v, { status: "retired", retiredAt: now() });
        }
        const entry: ModelVersion = {
          version,
          file,
          sha256: sha256(join(taskDir(task), file)),
          status: "candidate",
          ...(input.contents.kind !== CLASSIFIER_KIND ? { modelKind: input.contents.kind } : {}),
          createdAt: now(),
          source: input.source,
          examples: input.examples,
          certificate: input.certificate,
          ...(input.report !== undefined ? { report: input.report } : {}),
        };
        index.versions.push(entry);
        return entry;
      });
    },
    promote(task, version) {
      return update(task, (index) => {
        const chosen = version ?? index.versions.find((v) => v.status === "candidate")?.version;
        if (chosen === undefined) throw new FrugalError("not_found", `task ${task} has no candidate to promote (run \`frugal distill --task ${task}\` first, or name one with --version)`);
        const entry = find(index, chosen);
        if (entry.status === "current") throw new FrugalError("input_invalid", `${chosen} is already the current model of task ${task}`);
        const previous = index.current;
        if (previous !== null) Object.assign(find(index, previous), { status: "retired", retiredAt: now() });
        index.previous.push(previous);
        index.current = chosen;
        Object.assign(entry, { status: "current", promotedAt: now() });
        return { promoted: chosen, previous };
      });
    },
    rollback(task) {
      return update(task, (index) => {
        if (index.current === null) throw new FrugalError("input_invalid", `task ${task} already serves the model frugal.yaml names: nothing to roll back`);
        const retired = index.current;
        Object.assign(find(index, retired), { status: "retired", retiredAt: now() });
        const restored = index.previous.pop() ?? null;
        index.current = restored;
        if (restored !== null) Object.assign(find(index, restored), { status: "current", promotedAt: now() });
        return { restored, retired };
      });
    },
    load(task, version) {
      const entry = find(read(task), version);
      const file = join(taskDir(task), entry.file);
      if (!existsSync(file)) throw new FrugalError("model_file_invalid", `${file}: model version ${version} of task ${task} is registered but its file is missing`);
      if (sha256(file) !== entry.sha256) throw new FrugalError("model_file_invalid", `${file}: the file is not the one registered as ${task} ${version} (sha256 differs)`);
      return loadCompactClassifier(file);
    },
    changedAt(task) {
      return statSync(indexFile(task), { throwIfNoEntry: false })?.mtimeMs ?? 0;
    },
    readShadow(task, version) {
      const file = join(taskDir(task), `shadow-${version}.json`);
      return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as unknown) : undefined;
    },
    writeShadow(task, version, stats) {
      mkdirSync(taskDir(task), { recursive: true });
      writeAtomic(join(taskDir(task), `shadow-${version}.json`), `${JSON.stringify(stats)}\n`);
    },
  };
}
