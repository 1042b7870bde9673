/**
 * The stores `frugal keys` and `frugal ledger` work on: SQLite under `--data-dir` (the default, as `frugal serve` without
 * urls), or, with `--config frugal.yaml`, the ones that file names (`ledger.url`, `keys.url`: PostgreSQL; `counters.url`:
 * Redis), so an operator manages the keys and ledger every replica shares from any machine that can reach them.
 */
import { resolve } from "node:path";
import type { Counters, KeyStore, LedgerStore } from "../../ledger/index.ts";
import { DEFAULT_DATA_DIR } from "../../ledger/paths.ts";

export interface StoreFlags {
  dataDir: string;
  config?: string;
}

export interface CliStores {
  keys: KeyStore;
  counters: Counters;
  ledger: LedgerStore;
  close(): Promise<void>;
}

export const DATA_DIR_OPTION = ["--data-dir <dir>", "where frugal.db lives (stores without a url in --config)", DEFAULT_DATA_DIR] as const;
export const CONFIG_OPTION = ["--config <frugal.yaml>", "use the stores this gateway config names (ledger.url, keys.url, counters.url; ${ENV_VAR} read from the environment)"] as const;

/** `create: false`: a SQLite db that should hold keys or the ledger must exist (commands that only read or revoke). */
export async function openCliStores(flags: StoreFlags, options: { create: boolean }): Promise<CliStores> {
  if (flags.config === undefined) {
    const { openSqliteGovernance } = await import("../../ledger/index.ts");
    return openSqliteGovernance({ dataDir: flags.dataDir, create: options.create, checkpoint: "auto" });
  }
  const [{ loadConfigFile }, { gatewayConfigSchema }, { openGatewayStores }, { createCliLog }] = await Promise.all([
    import("../../core/config-file.ts"),
    import("../../gateway/config.ts"),
    import("../../gateway/stores.ts"),
    import("./serve-log.ts"),
  ]);
  const config = loadConfigFile(gatewayConfigSchema, flags.config);
  // Commands print their own results: only the stores' warnings and errors reach stderr.
  const log = { ...createCliLog(), info: () => undefined };
  return openGatewayStores(config, { dataDir: resolve(flags.dataDir), env: process.env, log, purpose: "cli", create: options.create });
}
