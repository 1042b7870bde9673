/**
 * Replacing findings with placeholders. The text may already contain something shaped like a placeholder (a user
 * quoting a previous answer, or someone probing): left alone, restore would turn it into a value it never stood for.
 * So each such literal is itself swapped for a fresh placeholder that restores to the literal, which keeps
 * `session.restore(redact(text)) === text` for every text.
 */
import { PLACEHOLDER_PATTERN, type RedactionSession } from "./session.ts";
import type { PiiFinding } from "./types.ts";

/**
 * Placeholder-shaped literals in `text` that no finding overlaps. One that a finding overlaps needs no escaping: the
 * finding's placeholder breaks it (a placeholder cannot contain `[` past its first character).
 */
function literalPlaceholders(text: string, findings: readonly PiiFinding[], regex: RegExp): PiiFinding[] {
  const literals: PiiFinding[] = [];
  regex.lastIndex = 0;
  for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
    const start = match.index;
    const end = start + match[0].length;
    if (findings.some((f) => f.start < end && start < f.end)) continue;
    // The literal keeps its own stem, so `[EMAIL_1]` typed by a user reaches the model as another `[EMAIL_n]`.
    literals.push({ type: (match[1] as string).toLowerCase(), start, end });
  }
  return literals;
}

/** A redactor owns its literal-matching regex, so no module-level regex state is shared between guards. */
export function createRedactor(): (text: string, findings: readonly PiiFinding[], session: RedactionSession) => string {
  const literalRegex = new RegExp(PLACEHOLDER_PATTERN, "g");
  return (text, findings, session) => {
    const literals = text.includes("[") ? literalPlaceholders(text, findings, literalRegex) : [];
    if (findings.length === 0 && literals.length === 0) return text;
    const spans = literals.length === 0 ? findings : [...findings, ...literals].sort((a, b) => a.start - b.start);
    let out = "";
    let at = 0;
    for (const span of spans) {
      out += text.slice(at, span.start) + session.placeholderFor(span.type, text.slice(span.start, span.end));
      at = span.end;
    }
    return out + text.slice(at);
  };
}
