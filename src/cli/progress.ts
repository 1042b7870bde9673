/**
 * Progress bars for long work, on stderr so stdout stays clean for results and `--json`. Off when stderr is not a terminal
 * (CI logs, pipes) or FRUGAL_NO_PROGRESS=1. Library code never draws: it takes an `onProgress(done, total)` callback and the
 * CLI hands it one of these.
 */
import cliProgress from "cli-progress";
import { errColors as pc } from "./colors.ts";

export interface ProgressBar {
  update(done: number, total?: number, info?: string): void;
  stop(): void;
}

export function progressEnabled(): boolean {
  return process.stderr.isTTY === true && process.env.FRUGAL_NO_PROGRESS !== "1";
}

export function createProgressBar(label: string, total: number): ProgressBar {
  if (!progressEnabled()) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${pc.cyan(label.padEnd(12))} {bar} {percentage}% | {value}/{total} | {eta_formatted} left {info}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { info: "" });
  return {
    update(done, newTotal, info) {
      if (newTotal !== undefined) bar.setTotal(newTotal);
      bar.update(done, { info: info ?? "" });
    },
    stop() {
      bar.stop();
    },
  };
}
