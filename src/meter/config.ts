/**
 * The `prices:` and `energy:` config blocks the PoC config (and the gateway config) embed, and the schema of a price catalog
 * file (`prices.catalog`). YAML keys are snake_case like the rest of frugal's config; the meter works in camelCase.
 */
import { z } from "zod";

/** `2025-08` or `2025-08-14`: a price without a date is a price nobody can check. */
export const priceDateSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$/, "expected a date as YYYY-MM or YYYY-MM-DD");

export const priceOverrideSchema = z
  .object({
    /** A catalog id (`openai/gpt-4o`), a bare model name (`gpt-4o`) or any name a tier reports (`my-vllm-70b`). */
    model: z.string().trim().min(1),
    input_usd_per_1m: z.number().nonnegative(),
    output_usd_per_1m: z.number().nonnegative(),
    source: z.string().min(1).optional(),
    date: priceDateSchema.optional(),
  })
  .strict();

export const pricesConfigSchema = z
  .object({
    /** A catalog file (YAML or JSON, see priceCatalogFileSchema) that replaces the built-in catalog. */
    catalog: z.string().min(1).optional(),
    /** Rows that win over the catalog, matched on the model name. */
    overrides: z.array(priceOverrideSchema).default([]),
    /** USD per vCPU-hour for in-process work (compact tier, CPU-run GGUF). Default: a dated AWS on-demand price. */
    core_hour_usd: z.number().positive().optional(),
    /**
     * USD per GPU-hour for self-hosted LLM tiers: one figure for any GPU, or one per GPU name (`{ h100: 2.99 }`). Wins over
     * the planner's hardware catalog, which is used when this is absent.
     */
    gpu_hour_usd: z.union([z.number().positive(), z.record(z.string().min(1), z.number().positive())]).optional(),
  })
  .strict();

export const energyProfileConfigSchema = z
  .object({
    /** A model name or catalog id; matched like price overrides. */
    model: z.string().trim().min(1),
    j_per_input_token: z.number().nonnegative(),
    j_per_output_token: z.number().nonnegative(),
    source: z.string().min(1),
  })
  .strict();

export const energyConfigSchema = z
  .object({
    profiles: z.array(energyProfileConfigSchema).default([]),
    /** Power of one busy vCPU, watts. Default: Cloud Carbon Footprint's AWS average at 100% utilization (3.5 W). */
    watts_per_core: z.number().positive().optional(),
    /**
     * Data-centre overhead multiplier applied to every energy figure. Default 1: figures are IT (server) energy, which is
     * what the profiles' sources measured. Set e.g. 1.135 (CCF's AWS average) to report facility energy.
     */
    pue: z.number().min(1).max(3).optional(),
  })
  .strict();

export const priceCatalogFileSchema = z
  .object({
    catalog_version: priceDateSchema,
    basis: z.string().min(1).optional(),
    models: z
      .array(
        z
          .object({
            provider: z.string().trim().min(1),
            model: z.string().trim().min(1),
            aliases: z.array(z.string().trim().min(1)).optional(),
            input_usd_per_1m: z.number().positive(),
            output_usd_per_1m: z.number().positive(),
            source: z.string().min(1),
            as_of: priceDateSchema,
            note: z.string().optional(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export type PricesConfigInput = z.input<typeof pricesConfigSchema>;
export type PricesConfig = z.output<typeof pricesConfigSchema>;
export type EnergyConfigInput = z.input<typeof energyConfigSchema>;
export type EnergyConfig = z.output<typeof energyConfigSchema>;
export type PriceCatalogFile = z.output<typeof priceCatalogFileSchema>;
