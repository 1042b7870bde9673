/**
 * Loads a YAML/JSON config file and validates it with a zod schema. A bad file fails loudly, once, with the key path of the
 * first bad field (`pipelines[1].tiers[0].threshold: expected number`), never with a warning and a default.
 */
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { z } from "zod";
import { FrugalError } from "./errors.ts";

/** `a.b[2].c` from a zod issue path. */
export function formatKeyPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "(root)" : out;
}

/** One line per issue, key path first; the first line is what the CLI prints. */
export function describeZodError(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${formatKeyPath(issue.path)}: ${issue.message}`);
}

/** Validates an already-parsed value; `source` names the file or flag in the error. */
export function validateConfig<S extends z.ZodType>(schema: S, value: unknown, source: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const lines = describeZodError(result.error);
  const first = lines[0] ?? "invalid";
  const more = lines.length > 1 ? ` (and ${lines.length - 1} more: ${lines.slice(1, 4).join("; ")})` : "";
  throw new FrugalError("config_invalid", `${source}: ${first}${more}`, {
    details: { file: source, issues: lines, keyPath: formatKeyPath(result.error.issues[0]?.path ?? []) },
  });
}

/** Reads a UTF-8 text file (a BOM is dropped) with one clear error for a missing, empty or non-UTF-8 file. */
export function readTextFile(file: string, what = "file"): string {
  return readUtf8(file, what).text;
}

/** `readTextFile`, plus the sha256 of the bytes read: for callers that key results on the exact file, with one read. */
export function readTextFileHashed(file: string, what = "file"): { text: string; sha256: string } {
  const { bytes, text } = readUtf8(file, what);
  return { text, sha256: createHash("sha256").update(bytes).digest("hex") };
}

function readUtf8(file: string, what: string): { bytes: Buffer; text: string } {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new FrugalError("file_not_found", `${file}: ${what} not found`, { details: { file } });
  }
  if (size === 0) throw new FrugalError("input_invalid", `${file}: ${what} is empty`, { details: { file } });
  const bytes = readFileSync(file);
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes).replace(/^\uFEFF/, "");
    return { bytes, text };
  } catch {
    const line = firstInvalidUtf8Line(bytes);
    throw new FrugalError("input_invalid", `${file}:${line}: ${what} is not valid UTF-8 (save it as UTF-8, e.g. iconv -f latin1 -t utf-8)`, {
      details: { file, line },
    });
  }
}

/** The 1-based line holding the first byte sequence that is not UTF-8, so the user can find it. */
function firstInvalidUtf8Line(bytes: Buffer): number {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let start = 0;
  let line = 1;
  while (start <= bytes.byteLength) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline === -1 ? bytes.byteLength : newline;
    try {
      decoder.decode(bytes.subarray(start, end));
    } catch {
      return line;
    }
    if (newline === -1) break;
    start = newline + 1;
    line++;
  }
  return line;
}

export function loadConfigFile<S extends z.ZodType>(schema: S, file: string): z.output<S> {
  const text = readTextFile(file, "config file");
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    const line = error instanceof YAMLParseError ? ` at line ${error.linePos?.[0]?.line ?? "?"}` : "";
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new FrugalError("config_invalid", `${file}: not valid YAML${line}: ${reason}`, { details: { file } });
  }
  if (parsed === null || typeof parsed !== "object") {
    throw new FrugalError("config_invalid", `${file}: expected a mapping at the top level`, { details: { file } });
  }
  return validateConfig(schema, parsed, file);
}

/** JSON Schema for editors (yaml-language-server), generated from the same zod schema that validates. */
export function exportJsonSchema(schema: z.ZodType, id: string): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return { $id: id, ...json };
}
