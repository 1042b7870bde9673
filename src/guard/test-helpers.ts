/** Test helper: what a guard finds, as `type:value` strings that read well in assertion messages. */
import { createPiiGuard } from "./guard.ts";
import type { PiiGuardOptions } from "./guard-options.ts";

export function found(text: string, options: PiiGuardOptions = {}): string[] {
  return createPiiGuard(options)
    .scan(text)
    .map((f) => `${f.type}:${text.slice(f.start, f.end)}`);
}
