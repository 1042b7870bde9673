/**
 * `frugal prices [--model <name>] [--input-tokens N] [--output-tokens N] [--config <prices.yaml>] [--json]`: the price
 * catalog the meter uses (every row with its source page and date), or, with --model, the row a name resolves to and what
 * N tokens cost there. An unknown model fails with close matches, as it would in a PoC.
 */
import type { Command } from "commander";
import { errColors, outColors } from "../colors.ts";
import { dirname } from "node:path";
import type { Meter } from "../../meter/index.ts";
import { numberOption, runCommand } from "../run-command.ts";

interface PricesFlags {
  model?: string;
  inputTokens?: string;
  outputTokens?: string;
  config?: string;
  json?: boolean;
}

async function meterFrom(flags: PricesFlags): Promise<Meter> {
  // Loaded by this command only.
  const [{ loadConfigFile }, { createMeter, pricesConfigSchema }] = await Promise.all([import("../../core/config-file.ts"), import("../../meter/index.ts")]);
  if (flags.config === undefined) return createMeter();
  // The file is a bare `prices:` block (catalog, overrides, core_hour_usd, gpu_hour_usd), as a PoC config embeds it.
  const prices = loadConfigFile(pricesConfigSchema, flags.config);
  return createMeter({ prices, baseDir: dirname(flags.config) });
}

export async function pricesAction(flags: PricesFlags): Promise<void> {
  const meter = await meterFrom(flags);
  const info = meter.describe();
  if (flags.model !== undefined) {
    const inputTokens = numberOption("--input-tokens", flags.inputTokens, { min: 0, integer: true }) ?? 1_000_000;
    const outputTokens = numberOption("--output-tokens", flags.outputTokens, { min: 0, integer: true }) ?? 1_000_000;
    const row = meter.resolvePrice(flags.model);
    const cost = meter.costOfTokens(flags.model, inputTokens, outputTokens, "modeled");
    const energy = meter.energyOfTokens(flags.model, inputTokens, outputTokens);
    if (flags.json === true) {
      process.stdout.write(`${JSON.stringify({ catalogVersion: info.catalogVersion, row, inputTokens, outputTokens, cost, energy, warnings: meter.warnings })}\n`);
      return;
    }
    process.stdout.write(`${row.id}  $${row.inputUsdPer1M} in / $${row.outputUsdPer1M} out per 1M tokens  (${row.source}, as of ${row.asOf})\n`);
    process.stdout.write(`${inputTokens} in + ${outputTokens} out = $${cost.usd.toPrecision(4)} (modeled)\n`);
    const joules = energy.joules === null ? "not measured" : `${(energy.joules / 3.6e6).toPrecision(3)} kWh (${energy.provenance})`;
    process.stdout.write(`energy: ${joules} — ${energy.source}\n`);
  } else {
    const rows = meter.listPrices();
    if (flags.json === true) {
      process.stdout.write(`${JSON.stringify({ ...info, rows, warnings: meter.warnings })}\n`);
      return;
    }
    process.stdout.write(`price catalog ${info.catalogVersion} (${info.basis})\n`);
    for (const r of rows) {
      process.stdout.write(`${r.id.padEnd(58)} ${`$${r.inputUsdPer1M}`.padStart(7)} ${`$${r.outputUsdPer1M}`.padStart(7)}  ${r.asOf}  ${outColors.dim(r.source)}\n`);
    }
    process.stdout.write(`compact tier: $${info.coreHour.usdPerHour.toPrecision(3)}/core-hour (${info.coreHour.source})\n`);
  }
  for (const warning of meter.warnings) process.stderr.write(`${errColors.yellow("warning:")} ${warning}\n`);
}

export function registerPricesCommand(program: Command): void {
  program
    .command("prices")
    .description("show the dated price catalog the meter uses, or what N tokens of one model cost")
    .option("--model <name>", "resolve one model name (catalog id, bare name, dated snapshot)")
    .option("--input-tokens <n>", "input tokens to price with --model (default 1000000)")
    .option("--output-tokens <n>", "output tokens to price with --model (default 1000000)")
    .option("--config <file>", "a YAML/JSON prices block (catalog, overrides, core_hour_usd, gpu_hour_usd)")
    .option("--json", "one JSON object on stdout")
    .action(runCommand((flags: PricesFlags) => pricesAction(flags)));
}
