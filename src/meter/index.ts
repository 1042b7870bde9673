/** The meter's public surface: prices, cost, energy, token counts. GPU telemetry lives beside it (gpu-telemetry*). */
export { createMeter, gpuHourPriceFromRows, gpuSecondsForTokens, type Meter, type MeterDescription, type MeterOptions } from "./meter.ts";
export {
  energyConfigSchema,
  priceCatalogFileSchema,
  pricesConfigSchema,
  type EnergyConfig,
  type EnergyConfigInput,
  type PricesConfig,
  type PricesConfigInput,
} from "./config.ts";
export { BUILTIN_PRICE_CATALOG, DEFAULT_CORE_HOUR } from "./price-catalog-data.ts";
export { BUILTIN_ENERGY_PROFILES, DEFAULT_WATTS_PER_CORE } from "./energy-profiles.ts";
export { createPriceIndex, loadPriceCatalogFile, normalizeModelName, type PriceIndex } from "./price-catalog.ts";
export { countChatTokens, countTokens, countTokensForModel, encodingForModel, type TokenCount, type TokenEncoding } from "./token-count.ts";
export type * from "./types.ts";
