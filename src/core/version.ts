/** frugal's own version, from package.json: stamped into model files, results files and `frugal --version`. */
import { readFileSync } from "node:fs";

let cached: string | undefined;

export function frugalVersion(): string {
  if (cached === undefined) {
    try {
      cached = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
    } catch {
      cached = "unknown";
    }
  }
  return cached;
}
