import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createRng } from "../core/random.ts";
import { createPiiGuard } from "./guard.ts";
import { NEAR_MISS_GENERATORS, NEAR_MISS_KINDS } from "./near-miss-generators.ts";
import { VALID_GENERATORS } from "./pii-generators.ts";
import { createRedactionSession, type RedactionSession } from "./session.ts";
import { BUILTIN_PII_TYPES } from "./types.ts";

const guard = createPiiGuard({ patterns: [{ name: "employee_id", pattern: String.raw`\bEMP-\d{4}\b` }] });

const word = fc.constantFrom("the", "invoice", "le", "numéro", "est", "call", "42", "2024", "€", "12:30", "[", "]", "[x]", "_1]", "EMP-1234", "é", "🙂", "\t");
const pii = fc.tuple(fc.constantFrom(...BUILTIN_PII_TYPES), fc.integer()).map(([type, seed]) => VALID_GENERATORS[type](createRng(seed)));
const nearMiss = fc.tuple(fc.constantFrom(...NEAR_MISS_KINDS), fc.integer()).map(([kind, seed]) => NEAR_MISS_GENERATORS[kind](createRng(seed)));
const literal = fc.constantFrom("[EMAIL_1]", "[CARD_2]", "[PHONE_1", "[IP_10]", "[EMPLOYEE_ID_1]", "[FR_NIR_3]");
const separator = fc.constantFrom(" ", ", ", "\n", ". ", "", " (", ") ");
const piece = fc.oneof({ arbitrary: word, weight: 4 }, { arbitrary: pii, weight: 3 }, { arbitrary: nearMiss, weight: 2 }, { arbitrary: literal, weight: 1 });
const prose = fc.array(fc.tuple(piece, separator), { maxLength: 30 }).map((parts) => parts.map(([p, s]) => p + s).join(""));

test("redact then restore gives the text back, for prose with PII, near-misses and placeholder-shaped literals", () => {
  fc.assert(
    fc.property(fc.array(prose, { minLength: 1, maxLength: 3 }), (texts) => {
      const session = createRedactionSession();
      const redacted = texts.map((t) => guard.redactText(t, session));
      texts.forEach((t, i) => assert.equal(session.restore(redacted[i] as string), t));
    }),
    { numRuns: 400 },
  );
});

test("redact then restore gives the text back, for any string", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 200 }), fc.string({ unit: fc.constantFrom("[", "]", "E", "_", "1", "@", "a", ".", "f", "r", " "), maxLength: 60 }), (a, b) => {
      const session = createRedactionSession();
      for (const text of [a, b, a + b]) assert.equal(session.restore(guard.redactText(text, session)), text);
    }),
    { numRuns: 400 },
  );
});

test("every generated identifier in a redacted text is gone: its placeholder stands in for it", () => {
  fc.assert(
    fc.property(fc.array(pii, { minLength: 1, maxLength: 5 }), (values) => {
      const session = createRedactionSession();
      const text = values.map((v) => `value: ${v}.`).join(" ");
      const redacted = guard.redactText(text, session);
      for (const v of values) assert.equal(redacted.includes(v), false, `${v} leaked into ${redacted}`);
    }),
    { numRuns: 300 },
  );
});

/** What a model might answer: placeholders the session assigned, unknown ones, fragments, words. */
function echoOf(session: RedactionSession, assigned: string[]) {
  const known = assigned.length === 0 ? fc.constant("[EMAIL_1]") : fc.constantFrom(...assigned);
  return fc.array(fc.oneof(known, word, literal, fc.constantFrom("[EM", "AIL_", "[[", "]]", "[CARD_", "1]")), { maxLength: 25 }).map((parts) => parts.join(""));
}

test("the stream restorer equals restore(whole) under any chunking, and holds back less than one placeholder", () => {
  fc.assert(
    fc.property(
      prose.chain((text) => {
        const session = createRedactionSession();
        const redacted = guard.redactText(text, session);
        const assigned = [...redacted.matchAll(/\[[A-Z][A-Z0-9_]*_\d+\]/g)].map((m) => m[0]).filter((p) => session.valueOf(p) !== undefined);
        return fc.tuple(fc.constant(session), fc.constant(assigned), echoOf(session, assigned));
      }).chain(([session, assigned, echo]) => fc.tuple(fc.constant(session), fc.constant(assigned), fc.constant(echo), fc.uniqueArray(fc.integer({ min: 0, max: echo.length }), { maxLength: 12 }))),
      ([session, assigned, echo, cuts]) => {
        const longest = Math.max(0, ...assigned.map((p) => p.length));
        const bounds = [0, ...[...cuts].sort((x, y) => x - y), echo.length];
        const restorer = session.streamRestorer();
        let out = "";
        for (let i = 1; i < bounds.length; i++) {
          out += restorer.push(echo.slice(bounds[i - 1], bounds[i]));
          const seen = echo.slice(0, bounds[i]);
          // What was sent is the restore of what was seen minus a held tail that starts with `[` and is shorter than a placeholder.
          let explained = session.restore(seen) === out;
          for (let h = 1; !explained && h < longest && h <= seen.length; h++) explained = seen[seen.length - h] === "[" && session.restore(seen.slice(0, -h)) === out;
          assert.ok(explained, `after ${JSON.stringify(seen)} sent ${JSON.stringify(out)}`);
        }
        out += restorer.flush();
        assert.equal(out, session.restore(echo));
      },
    ),
    { numRuns: 400 },
  );
});
