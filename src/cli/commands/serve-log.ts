/** The gateway's log for `frugal serve`: one JSON line per event on stderr (pino), so stdout stays for `listening on`. */
import pino from "pino";
import type { GatewayLog } from "../../gateway/context.ts";

export function createCliLog(): GatewayLog {
  const logger = pino({ level: process.env.FRUGAL_LOG_LEVEL ?? "info" }, pino.destination(2));
  return {
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
  };
}
