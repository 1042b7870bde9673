/** A task's `labels` key: inline, or a JSON array file relative to the config (checked: at least two non-empty strings). */
import { isAbsolute, resolve } from "node:path";
import { readTextFile } from "../core/config-file.ts";
import { FrugalError } from "../core/errors.ts";

export function readTaskLabels(labels: string[] | string | undefined, baseDir: string, keyPath: string): string[] | undefined {
  if (labels === undefined || Array.isArray(labels)) return labels;
  const file = isAbsolute(labels) ? labels : resolve(baseDir, labels);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readTextFile(file, "labels file"));
  } catch (error) {
    if (error instanceof FrugalError) throw error;
    throw new FrugalError("config_invalid", `${keyPath}: ${file} is not valid JSON`, { details: { keyPath } });
  }
  if (!Array.isArray(parsed) || parsed.length < 2 || !parsed.every((l) => typeof l === "string" && l.trim() !== "")) {
    throw new FrugalError("config_invalid", `${keyPath}: ${file} must hold a JSON array of at least two label strings`, { details: { keyPath } });
  }
  return parsed as string[];
}
