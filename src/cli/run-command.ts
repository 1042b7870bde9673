/**
 * The one place where errors become what a CLI user sees: a single red line and an exit code from the error family.
 * A stack trace is shown only for bugs (code `internal`) and only with FRUGAL_DEBUG=1.
 */
import { errColors as pc } from "./colors.ts";
import { FrugalError, toFrugalError } from "../core/errors.ts";

export function reportError(error: unknown): number {
  const frugalError = toFrugalError(error);
  const prefix = frugalError.code === "internal" ? "internal error" : "error";
  process.stderr.write(`${pc.red(`${prefix}:`)} ${frugalError.message}\n`);
  if (frugalError.code === "internal") {
    if (process.env.FRUGAL_DEBUG === "1") process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
    else process.stderr.write(pc.dim("(set FRUGAL_DEBUG=1 for the stack trace; this is a bug, please report it)\n"));
  }
  return frugalError.exitCode;
}

/** Wraps a command's action so that any failure ends the process with the error family's exit code. */
export function runCommand<A extends unknown[]>(action: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (error) {
      process.exitCode = reportError(error);
    }
  };
}

/** Parses a numeric flag, failing with the flag's name (commander hands us strings). */
export function numberOption(flag: string, raw: string | undefined, options: { min?: number; max?: number; integer?: boolean } = {}): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  const bad =
    raw.trim() === "" ||
    !Number.isFinite(value) ||
    (options.integer === true && !Number.isInteger(value)) ||
    (options.min !== undefined && value < options.min) ||
    (options.max !== undefined && value > options.max);
  if (bad) {
    const range = [options.min !== undefined ? `>= ${options.min}` : "", options.max !== undefined ? `<= ${options.max}` : ""].filter(Boolean).join(" and ");
    throw new FrugalError(
      "input_invalid",
      `${flag}: expected ${options.integer === true ? "an integer" : "a number"}${range ? ` ${range}` : ""}, got "${raw}"`,
    );
  }
  return value;
}
