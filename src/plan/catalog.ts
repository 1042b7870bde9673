/**
 * One catalog = the built-in rows plus the user's. A user row with a built-in id replaces it (the usual reason: your own
 * price quote); a new id adds a row. Lookups fail with the list of valid ids, so a typo is a one-line fix.
 */
import { FrugalError } from "../core/errors.ts";
import { BUILTIN_HARDWARE } from "./catalog-hardware.ts";
import { BUILTIN_MODELS } from "./catalog-models.ts";
import { PRECISIONS } from "./catalog-precisions.ts";
import {
  hardwareSpecSchema,
  modelSpecSchema,
  PRECISION_IDS,
  type HardwareSpec,
  type ModelSpec,
  type PrecisionId,
  type PrecisionSpec,
} from "./catalog-types.ts";

export interface Catalog {
  hardware(id: string): HardwareSpec;
  model(id: string): ModelSpec;
  precision(id: string): PrecisionSpec;
  hardwareIds(): string[];
  modelIds(): string[];
  /** Ids of user rows that replaced a built-in row, so reports can say the figures use the user's numbers. */
  overridden(): string[];
}

export interface CatalogOptions {
  hardware?: HardwareSpec[];
  models?: ModelSpec[];
}

function indexRows<T extends { id: string }>(builtin: T[], extra: T[], overridden: string[]): Map<string, T> {
  const rows = new Map(builtin.map((row) => [row.id, row] as const));
  for (const row of extra) {
    if (rows.has(row.id)) overridden.push(row.id);
    rows.set(row.id, row);
  }
  return rows;
}

function unknown(kind: string, flagHint: string, given: string, valid: string[]): FrugalError {
  return new FrugalError("input_invalid", `unknown ${kind} "${given}"${flagHint}: valid ids are ${valid.join(", ")}`, {
    details: { [kind.replace(/ /g, "_")]: given, valid },
  });
}

export function createCatalog(options: CatalogOptions = {}): Catalog {
  // Validate user rows once, here, with the same schema as the built-ins: a catalog never holds a half-valid row.
  const extraHardware = (options.hardware ?? []).map((row, i) => parseRow(hardwareSpecSchema, row, `catalog.hardware[${i}]`));
  const extraModels = (options.models ?? []).map((row, i) => parseRow(modelSpecSchema, row, `catalog.models[${i}]`));
  const overridden: string[] = [];
  const hardware = indexRows(BUILTIN_HARDWARE, extraHardware, overridden);
  const models = indexRows(BUILTIN_MODELS, extraModels, overridden);
  return {
    hardware(id) {
      const row = hardware.get(id);
      if (row === undefined) throw unknown("GPU", "", id, [...hardware.keys()]);
      return row;
    },
    model(id) {
      const row = models.get(id);
      if (row === undefined) throw unknown("model", "", id, [...models.keys()]);
      return row;
    },
    precision(id) {
      if (!(PRECISION_IDS as readonly string[]).includes(id)) throw unknown("precision", "", id, [...PRECISION_IDS]);
      return PRECISIONS[id as PrecisionId];
    },
    hardwareIds: () => [...hardware.keys()],
    modelIds: () => [...models.keys()],
    overridden: () => [...overridden],
  };
}

function parseRow<S extends typeof hardwareSpecSchema | typeof modelSpecSchema>(schema: S, row: unknown, where: string) {
  const result = schema.safeParse(row);
  if (result.success) return result.data as ReturnType<S["parse"]>;
  const issue = result.error.issues[0];
  const path = issue === undefined ? "" : issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
  throw new FrugalError("config_invalid", `${where}${path}: ${issue?.message ?? "invalid"}`, { details: { keyPath: `${where}${path}` } });
}
