/**
 * The loop shared by detectors that are one regex and a check (IBAN, user patterns): the regex is compiled once per
 * detector and its `lastIndex` reset on each scan; a scan never yields, so one guard serves concurrent requests.
 */
import type { PiiDetector, PiiFinding, PiiType } from "./types.ts";

/**
 * Decides on one regex match: `true` keeps the whole match, a `[start, end]` pair keeps part of it (offsets into the
 * text), anything else drops it.
 */
export type AcceptMatch = (match: RegExpExecArray, text: string) => boolean | readonly [number, number] | undefined;

export function createRegexDetector(type: PiiType, source: string, flags: string, accept: AcceptMatch): PiiDetector {
  const regex = new RegExp(source, flags.includes("g") ? flags : `${flags}g`);
  return {
    types: [type],
    detect(text: string, out: PiiFinding[]): void {
      regex.lastIndex = 0;
      for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
        // A user pattern may match the empty string: step over it rather than loop forever.
        if (match[0].length === 0) {
          regex.lastIndex++;
          continue;
        }
        const verdict = accept(match, text);
        if (verdict === true) out.push({ type, start: match.index, end: match.index + match[0].length });
        else if (typeof verdict === "object") out.push({ type, start: verdict[0], end: verdict[1] });
      }
    },
  };
}
