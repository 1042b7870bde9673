/**
 * Price lookup: resolves whatever name a tier reports ("gpt-4o-2024-08-06", "openai/gpt-4o",
 * "meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo") to one dated catalog row, with config overrides winning. An unknown or
 * ambiguous name is an error that lists what the user probably meant: a silent zero would make the frugal chain look free.
 */
import { loadConfigFile } from "../core/config-file.ts";
import { FrugalError } from "../core/errors.ts";
import { closeMatches } from "./close-matches.ts";
import { priceCatalogFileSchema, type PricesConfig } from "./config.ts";
import type { PriceCatalog, PriceRow, ResolvedPrice } from "./types.ts";

export function normalizeModelName(name: string): string {
  return name.trim().toLowerCase();
}

/**
 * Vendors answer with dated snapshots ("gpt-4o-2024-08-06", "claude-3-5-haiku-20241022") or "-latest" aliases; the list
 * price belongs to the family name. Only tried after an exact match failed, so a dated row in the catalog still wins.
 */
export function stripVersionSuffix(name: string): string {
  return name.replace(/-(\d{4}-\d{2}-\d{2}|\d{8}|latest)$/, "");
}

function keysOf(row: PriceRow): string[] {
  const names = [row.model, ...(row.aliases ?? [])].map(normalizeModelName);
  const provider = normalizeModelName(row.provider);
  return [...names.map((n) => `${provider}/${n}`), ...names];
}

export interface PriceIndex {
  readonly catalog: PriceCatalog;
  /** Throws config_invalid (with close matches) for an unknown or ambiguous name. */
  resolve(model: string): ResolvedPrice;
  /** The same lookup without the error: undefined for an unknown or ambiguous name (callers with a fallback). */
  find(model: string): ResolvedPrice | undefined;
  /** Every name the index answers to: catalog ids, bare names, aliases, overrides. */
  names(): string[];
  /** Every price in force: catalog rows (an override replacing its row), then overrides for models not in the catalog. */
  list(): ResolvedPrice[];
}

export function createPriceIndex(catalog: PriceCatalog, overrides: PricesConfig["overrides"] = []): PriceIndex {
  const byKey = new Map<string, ResolvedPrice[]>();
  for (const row of catalog.rows) {
    const resolved: ResolvedPrice = { ...row, id: `${normalizeModelName(row.provider)}/${normalizeModelName(row.model)}`, origin: "catalog" };
    for (const key of new Set(keysOf(row))) {
      const list = byKey.get(key) ?? [];
      list.push(resolved);
      byKey.set(key, list);
    }
  }
  const overrideByKey = new Map<string, ResolvedPrice>();
  for (const o of overrides) {
    const key = normalizeModelName(o.model);
    overrideByKey.set(key, {
      provider: "config",
      model: o.model,
      id: key,
      inputUsdPer1M: o.input_usd_per_1m,
      outputUsdPer1M: o.output_usd_per_1m,
      source: o.source ?? "prices.overrides in the config",
      asOf: o.date ?? "undated",
      origin: "override",
    });
  }

  /** `strict`: an ambiguous name throws (saying which providers to choose from) instead of matching nothing. */
  function catalogRow(key: string, asked: string, strict: boolean): ResolvedPrice | undefined {
    const rows = byKey.get(key);
    if (rows === undefined || rows.length === 0) return undefined;
    const first = rows[0] as ResolvedPrice;
    const samePrice = rows.every((r) => r.inputUsdPer1M === first.inputUsdPer1M && r.outputUsdPer1M === first.outputUsdPer1M);
    if (samePrice) return first;
    if (!strict) return undefined;
    throw new FrugalError(
      "config_invalid",
      `model "${asked}" is priced differently by ${rows.length} providers (${rows.map((r) => r.id).join(", ")}): name one as provider/model`,
      { details: { model: asked, candidates: rows.map((r) => r.id) } },
    );
  }

  function lookup(model: string, strict: boolean): ResolvedPrice | undefined {
    const asked = normalizeModelName(model);
    for (const key of new Set([asked, stripVersionSuffix(asked)])) {
      const override = overrideByKey.get(key);
      if (override !== undefined) return override;
      const row = catalogRow(key, model, strict);
      if (row === undefined) continue;
      // An override written against any name of this row ("gpt-4o") also covers its other names ("openai/gpt-4o").
      for (const rowKey of keysOf(row)) {
        const o = overrideByKey.get(rowKey);
        if (o !== undefined) return o;
      }
      return row;
    }
    return undefined;
  }

  function find(model: string): ResolvedPrice | undefined {
    return lookup(model, false);
  }

  function resolve(model: string): ResolvedPrice {
    const found = lookup(model, true);
    if (found !== undefined) return found;
    const suggestions = closeMatches(normalizeModelName(model), names());
    const hint = suggestions.length > 0 ? `; close matches: ${suggestions.join(", ")}` : "";
    throw new FrugalError(
      "config_invalid",
      `no price for model "${model}" in price catalog ${catalog.catalogVersion}${hint}. Add it under prices.overrides (model, input_usd_per_1m, output_usd_per_1m, source, date)`,
      { details: { model, closeMatches: suggestions, catalogVersion: catalog.catalogVersion } },
    );
  }

  function names(): string[] {
    return [...new Set([...byKey.keys(), ...overrideByKey.keys()])].sort();
  }

  function list(): ResolvedPrice[] {
    const seen = new Set<string>();
    const out: ResolvedPrice[] = [];
    for (const row of catalog.rows) {
      const resolved = resolve(`${row.provider}/${row.model}`);
      if (!seen.has(resolved.id)) out.push(resolved);
      seen.add(resolved.id);
    }
    for (const o of overrideByKey.values()) if (!seen.has(o.id)) out.push(o);
    return out;
  }

  return { catalog, resolve, find, names, list };
}

/** Reads a catalog file (`prices.catalog`): same shape as the built-in one, snake_case, every row with source and date. */
export function loadPriceCatalogFile(file: string): PriceCatalog {
  const parsed = loadConfigFile(priceCatalogFileSchema, file);
  return {
    catalogVersion: parsed.catalog_version,
    basis: parsed.basis ?? `price catalog file ${file}`,
    rows: parsed.models.map((m) => ({
      provider: m.provider,
      model: m.model,
      ...(m.aliases === undefined ? {} : { aliases: m.aliases }),
      inputUsdPer1M: m.input_usd_per_1m,
      outputUsdPer1M: m.output_usd_per_1m,
      source: m.source,
      asOf: m.as_of,
      ...(m.note === undefined ? {} : { note: m.note }),
    })),
  };
}

/** Whole days between a `YYYY-MM[-DD]` date and `now` (a month-only date counts from the first of the month). */
export function daysSince(date: string, now: Date): number | null {
  const match = /^(\d{4})-(\d{2})(?:-(\d{2}))?$/.exec(date);
  if (match === null) return null;
  const then = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3] ?? "1"));
  return Math.floor((now.getTime() - then) / 86_400_000);
}
