/**
 * `frugal ledger verify|export|prune`: the audit ledger in the governance db of `--data-dir`, or in the PostgreSQL that
 * `--config frugal.yaml` names (ledger.url). `verify` exits 1 and names
 * the first broken row when the hash chain does not hold; `export` streams rows (stdout by default) without loading the
 * table; `prune` applies a retention period and keeps the chain verifiable.
 */
import type { Command } from "commander";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";
import { FrugalError } from "../../core/errors.ts";
import { errColors } from "../colors.ts";
import { numberOption, runCommand } from "../run-command.ts";
import { CONFIG_OPTION, DATA_DIR_OPTION, openCliStores, type StoreFlags } from "./store-flags.ts";

interface CommonFlags extends StoreFlags {
  json?: boolean;
}

interface ExportFlags extends CommonFlags {
  from?: string;
  to?: string;
  format: string;
  out?: string;
}

function openLedger(flags: StoreFlags) {
  return openCliStores(flags, { create: false });
}

async function verifyAction(flags: CommonFlags): Promise<void> {
  const governance = await openLedger(flags);
  try {
    const result = await governance.ledger.verify();
    if (flags.json === true) process.stdout.write(`${JSON.stringify(result)}\n`);
    else if (result.ok) {
      const from = result.anchor === undefined ? "" : ` (from seq ${result.anchor.seq + 1}, after pruning)`;
      process.stdout.write(`ok: ${result.rows} rows, chain intact${from}\n`);
      if (result.head !== undefined) process.stdout.write(`head: seq ${result.head.seq} ${result.head.hash}\n`);
    }
    if (result.firstBroken !== undefined) {
      const { seq, requestId, reason } = result.firstBroken;
      if (flags.json !== true) process.stderr.write(`${errColors.red("error:")} ledger chain broken at seq ${seq} (request ${requestId}): ${reason}\n`);
      // Not an exception: the command worked, its finding is the failure (exit 1, as documented for scripts and CI).
      process.exitCode = 1;
    }
  } finally {
    await governance.close();
  }
}

/** A writer that honours backpressure and fails on the stream's first error (a closed pipe, a full disk). */
function writerFor(stream: Writable): (chunk: string) => Promise<void> {
  let failed: Error | undefined;
  // Listening also keeps an error that arrives between writes from crashing the process as an unhandled 'error' event.
  stream.on("error", (error) => {
    failed ??= error;
  });
  return async (chunk) => {
    if (failed !== undefined) throw failed;
    if (!stream.write(chunk)) await once(stream, "drain");
  };
}

function isClosedPipe(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === "EPIPE";
}

async function exportAction(flags: ExportFlags): Promise<void> {
  if (flags.format !== "jsonl" && flags.format !== "csv") throw new FrugalError("input_invalid", `--format: expected jsonl or csv, got "${flags.format}"`);
  const format = flags.format;
  const governance = await openLedger(flags);
  try {
    const range = { ...(flags.from !== undefined && { from: flags.from }), ...(flags.to !== undefined && { to: flags.to }) };
    if (flags.out === undefined) {
      try {
        const { rows } = await governance.ledger.exportRows({ ...range, format }, writerFor(process.stdout));
        process.stderr.write(`exported ${rows} rows\n`);
      } catch (error) {
        // The reader went away (`| head`): what it wanted was written; stop quietly, as other Unix tools do.
        if (!isClosedPipe(error)) throw error;
      }
      return;
    }
    const file = createWriteStream(flags.out);
    try {
      const { rows } = await governance.ledger.exportRows({ ...range, format }, writerFor(file));
      file.end();
      await once(file, "finish");
      process.stderr.write(`exported ${rows} rows to ${flags.out}\n`);
    } catch (error) {
      file.destroy();
      throw error;
    }
  } finally {
    await governance.close();
  }
}

async function pruneAction(flags: CommonFlags & { days: string }): Promise<void> {
  const days = numberOption("--days", flags.days, { min: 1, integer: true }) as number;
  const governance = await openLedger(flags);
  try {
    const result = await governance.ledger.prune(days);
    if (flags.json === true) process.stdout.write(`${JSON.stringify(result)}\n`);
    else if (result.anchor === undefined) process.stdout.write(`pruned 0 rows: none older than ${days} days\n`);
    else process.stdout.write(`pruned ${result.deleted} rows older than ${days} days; the chain now starts after seq ${result.anchor.seq}\n`);
  } finally {
    await governance.close();
  }
}

export function registerLedgerCommand(program: Command): void {
  const ledger = program.command("ledger").description("verify, export and prune the hash-chained audit ledger");
  ledger
    .command("verify")
    .description("check the hash chain; exit 1 naming the first broken row")
    .option(...DATA_DIR_OPTION)
    .option(...CONFIG_OPTION)
    .option("--json", "the verification result as one JSON object")
    .action(runCommand((flags: CommonFlags) => verifyAction(flags)));
  ledger
    .command("export")
    .description("stream ledger rows as JSONL (with their hashes) or CSV")
    .option("--from <iso>", "first instant included (ISO 8601)")
    .option("--to <iso>", "end instant, excluded (ISO 8601)")
    .option("--format <jsonl|csv>", "output format", "jsonl")
    .option("--out <file>", "write to a file instead of stdout")
    .option(...DATA_DIR_OPTION)
    .option(...CONFIG_OPTION)
    .action(runCommand((flags: ExportFlags) => exportAction(flags)));
  ledger
    .command("prune")
    .description("delete rows older than N days; the chain stays verifiable from the last pruned row's hash")
    .requiredOption("--days <n>", "retention in days (integer >= 1)")
    .option(...DATA_DIR_OPTION)
    .option(...CONFIG_OPTION)
    .option("--json", "the result as one JSON object")
    .action(runCommand((flags: CommonFlags & { days: string }) => pruneAction(flags)));
}
