/**
 * The guard's options, validated once by `createPiiGuard` (and embeddable in a gateway config schema as they are), and
 * the user patterns they declare. Patterns are compiled and checked when the guard is created, so a typo in a config
 * fails `frugal serve` at start-up rather than on a request. They run as given: a pattern with catastrophic
 * backtracking is the deployment's to avoid.
 */
import { z } from "zod";
import { FrugalError } from "../core/errors.ts";
import { createRegexDetector } from "./regex-detector.ts";
import { BUILTIN_PII_TYPES, type PiiDetector } from "./types.ts";

const builtinTypes: readonly string[] = BUILTIN_PII_TYPES;

export const userPatternSchema = z
  .object({
    // The name becomes the finding type and the placeholder stem (`employee_id` → `[EMPLOYEE_ID_1]`), so it must stay
    // inside the placeholder grammar ([A-Z][A-Z0-9_]* once upper-cased).
    name: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,39}$/, "lower-case letters, digits and _, starting with a letter (at most 40)")
      .refine((name) => !builtinTypes.includes(name), "is a built-in detector name"),
    /** JavaScript regular expression source. */
    pattern: z.string().min(1),
    flags: z
      .string()
      .regex(/^[imsuv]*$/, "only i, m, s, u, v (g is implied)")
      .refine((flags) => new Set(flags).size === flags.length, "repeats a flag")
      .optional(),
  })
  .strict();

export type UserPattern = z.infer<typeof userPatternSchema>;

export const piiGuardOptionsSchema = z
  .object({
    /** Built-in detectors to run; all of them when absent. */
    types: z.array(z.enum(BUILTIN_PII_TYPES)).optional(),
    /** Extra detectors, one per pattern. */
    patterns: z
      .array(userPatternSchema)
      .default([])
      .refine((patterns) => new Set(patterns.map((p) => p.name)).size === patterns.length, "pattern names must be unique"),
  })
  .strict();

export type PiiGuardOptions = z.input<typeof piiGuardOptionsSchema>;

export function createUserPatternDetector(user: UserPattern): PiiDetector {
  let regex: RegExp;
  try {
    regex = new RegExp(user.pattern, `${user.flags ?? ""}g`);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FrugalError("config_invalid", `guard pattern "${user.name}": invalid regular expression: ${reason}`, {
      cause: error,
      details: { pattern: user.name },
    });
  }
  if (regex.test("")) {
    throw new FrugalError("config_invalid", `guard pattern "${user.name}": matches the empty string`, { details: { pattern: user.name } });
  }
  return createRegexDetector(user.name, regex.source, regex.flags, () => true);
}
