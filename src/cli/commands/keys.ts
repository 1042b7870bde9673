/**
 * `frugal keys create|list|revoke`: the gateway's API keys, in the governance db of `--data-dir`, or in the store
 * `--config frugal.yaml` names (PostgreSQL, shared by replicas). A key is printed once, at creation; frugal keeps only
 * its hash. Works while `frugal serve` runs: a revocation reaches it within keys.cache_ttl_ms (1 s by default).
 */
import type { Command } from "commander";
import { FrugalError } from "../../core/errors.ts";
import type { CreateKeyInput, KeyRecord } from "../../ledger/index.ts";
import { outColors } from "../colors.ts";
import { numberOption, runCommand } from "../run-command.ts";
import { CONFIG_OPTION, DATA_DIR_OPTION, openCliStores, type StoreFlags } from "./store-flags.ts";

interface CreateFlags extends StoreFlags {
  team: string;
  budgetUsd?: string;
  period?: string;
  rpm?: string;
  tpm?: string;
  allow?: string;
  name?: string;
  json?: boolean;
}

interface ListFlags extends StoreFlags {
  all?: boolean;
  json?: boolean;
}

/** Flag-level checks, so a mistake names the flag rather than the library's field. */
export function createInputFromFlags(flags: CreateFlags): CreateKeyInput {
  const budgetUsd = numberOption("--budget-usd", flags.budgetUsd, { min: 0 });
  if (budgetUsd === 0) throw new FrugalError("input_invalid", "--budget-usd: expected a number > 0, got 0");
  if (flags.period !== undefined && flags.period !== "day" && flags.period !== "month") {
    throw new FrugalError("input_invalid", `--period: expected day or month, got "${flags.period}"`);
  }
  if (flags.period !== undefined && budgetUsd === undefined) throw new FrugalError("input_invalid", "--period needs --budget-usd");
  const allow = flags.allow?.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (allow !== undefined && allow.length === 0) throw new FrugalError("input_invalid", "--allow: expected task or route names, comma-separated");
  const input: CreateKeyInput = { team: flags.team };
  if (flags.name !== undefined) input.name = flags.name;
  if (budgetUsd !== undefined) input.budgetUsd = budgetUsd;
  if (flags.period !== undefined) input.period = flags.period;
  const rpm = numberOption("--rpm", flags.rpm, { min: 1, integer: true });
  const tpm = numberOption("--tpm", flags.tpm, { min: 1, integer: true });
  if (rpm !== undefined) input.rpm = rpm;
  if (tpm !== undefined) input.tpm = tpm;
  if (allow !== undefined) input.allow = allow;
  return input;
}

function limitsOf(record: KeyRecord): string {
  const parts: string[] = [];
  if (record.budgetUsd !== undefined) parts.push(`$${record.budgetUsd}/${record.period ?? "month"}`);
  if (record.rpm !== undefined) parts.push(`${record.rpm} rpm`);
  if (record.tpm !== undefined) parts.push(`${record.tpm} tpm`);
  if (record.allow !== undefined) parts.push(`allow ${record.allow.join(",")}`);
  return parts.length === 0 ? "no limits" : parts.join(", ");
}

async function createAction(flags: CreateFlags): Promise<void> {
  const input = createInputFromFlags(flags);
  const governance = await openCliStores(flags, { create: true });
  try {
    const { key, record } = await governance.keys.create(input);
    if (flags.json === true) {
      process.stdout.write(`${JSON.stringify({ key, ...record })}\n`);
      return;
    }
    process.stdout.write(`created key ${record.id} for team ${record.team}${record.name === undefined ? "" : ` (${record.name})`}: ${limitsOf(record)}\n\n`);
    process.stdout.write(`  ${outColors.bold(key)}\n\n`);
    process.stdout.write("Store it now: it will not be shown again (frugal keeps only its hash).\n");
  } finally {
    await governance.close();
  }
}

async function listAction(flags: ListFlags): Promise<void> {
  const governance = await openCliStores(flags, { create: false });
  try {
    const records = await governance.keys.list({ includeRevoked: flags.all === true });
    const rows = [];
    for (const record of records) {
      const spend = await governance.counters.spend({ keyId: record.id, ...(record.period !== undefined && { period: record.period }) });
      rows.push({ ...record, spentUsd: spend.spentUsd, spendPeriod: spend.periodKey });
    }
    if (flags.json === true) {
      process.stdout.write(`${JSON.stringify({ keys: rows })}\n`);
      return;
    }
    if (rows.length === 0) {
      process.stdout.write("no keys (create one with: frugal keys create --team <team>)\n");
      return;
    }
    for (const r of rows) {
      const state = r.revokedAt === undefined ? "" : outColors.red(` revoked ${r.revokedAt}`);
      const spent = `spent $${r.spentUsd.toFixed(4)} in ${r.spendPeriod.replace(":", " ")}`;
      process.stdout.write(`${r.id}  ${r.team}${r.name === undefined ? "" : ` (${r.name})`}  ${limitsOf(r)}  ${outColors.dim(`${spent}, created ${r.createdAt}`)}${state}\n`);
    }
  } finally {
    await governance.close();
  }
}

async function revokeAction(id: string, flags: StoreFlags & { json?: boolean }): Promise<void> {
  const governance = await openCliStores(flags, { create: false });
  try {
    const record = await governance.keys.revoke(id);
    if (record === undefined) throw new FrugalError("not_found", `no key with id "${id}" (see frugal keys list)`);
    if (flags.json === true) process.stdout.write(`${JSON.stringify(record)}\n`);
    else process.stdout.write(`revoked key ${record.id} (team ${record.team}); a running gateway refuses it within keys.cache_ttl_ms (about a second)\n`);
  } finally {
    await governance.close();
  }
}

export function registerKeysCommand(program: Command): void {
  const keys = program.command("keys").description("create, list and revoke the gateway's API keys");
  keys
    .command("create")
    .description("create a key (printed once) for a team, with an optional budget, rate limits and allow-list")
    .requiredOption("--team <team>", "the team the key's requests are billed to")
    .option("--budget-usd <usd>", "spend limit per period (> 0)")
    .option("--period <day|month>", "budget period, UTC (default month; needs --budget-usd)")
    .option("--rpm <n>", "requests per minute")
    .option("--tpm <n>", "tokens per minute")
    .option("--allow <names>", "comma-separated task or route names the key may use (default all)")
    .option("--name <name>", "a label for people")
    .option(...DATA_DIR_OPTION)
    .option(...CONFIG_OPTION)
    .option("--json", "one JSON object on stdout")
    .action(runCommand((flags: CreateFlags) => createAction(flags)));
  keys
    .command("list")
    .description("list keys with their limits and this period's spend (never the secrets)")
    .option("--all", "include revoked keys")
    .option(...DATA_DIR_OPTION)
    .option(...CONFIG_OPTION)
    .option("--json", "one JSON object on stdout")
    .action(runCommand((flags: ListFlags) => listAction(flags)));
  keys
    .command("revoke <id>")
    .description("revoke a key; a running gateway refuses it within about a second")
    .option(...DATA_DIR_OPTION)
    .option(...CONFIG_OPTION)
    .option("--json", "the revoked key's record as JSON")
    .action(runCommand((id: string, flags: StoreFlags & { json?: boolean }) => revokeAction(id, flags)));
}
