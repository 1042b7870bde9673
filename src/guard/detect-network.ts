/**
 * Addresses: email, IPv4, IPv6. Email is found around each `@` by hand instead of by one regex: a regex starting with
 * `[local chars]+@` retries from every character of every long word, which is quadratic on text with few `@`. IPv6
 * likewise around each `:`.
 */
import type { NumberShape } from "./number-tokens.ts";
import type { PiiDetector, PiiFinding } from "./types.ts";

const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;

// Internationalised addresses (RFC 6531: `élodie@exemple.fr`, `jörg@müller.de`) are addresses too: beyond ASCII, any
// letter or digit counts. Surrogate pairs are left out, which only affects letters outside the BMP.
const NON_ASCII_ALNUM = /[\p{L}\p{N}]/u;

function isAlnum(text: string, i: number, c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c > 127 && NON_ASCII_ALNUM.test(text[i] as string));
}

function isLocalChar(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  // letters, digits, . _ % + -
  return isAlnum(text, i, c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
}

function isDomainChar(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return isAlnum(text, i, c) || c === 46 || c === 45;
}

const LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?$/u;
const TLD = /^\p{L}{2,24}$/u;

/** The end of a valid domain starting at `from`, or -1. Trailing dots and dashes are punctuation, not domain. */
function domainEnd(text: string, from: number): number {
  let end = from;
  while (end < text.length && end - from <= MAX_DOMAIN && isDomainChar(text, end)) end++;
  while (end > from && (text[end - 1] === "." || text[end - 1] === "-")) end--;
  const labels = text.slice(from, end).split(".");
  if (labels.length < 2 || !TLD.test(labels[labels.length - 1] ?? "")) return -1;
  return labels.every((label) => LABEL.test(label)) ? end : -1;
}

export function createEmailDetector(): PiiDetector {
  return {
    types: ["email"],
    detect(text: string, out: PiiFinding[]): void {
      for (let at = text.indexOf("@"); at !== -1; at = text.indexOf("@", at + 1)) {
        let start = at;
        while (start > 0 && at - start < MAX_LOCAL && isLocalChar(text, start - 1)) start--;
        // A local part longer than allowed is not trimmed into a shorter address: the whole token is something else.
        if (start > 0 && isLocalChar(text, start - 1)) continue;
        while (start < at && text[start] === ".") start++;
        if (start === at || text[at - 1] === ".") continue;
        const end = domainEnd(text, at + 1);
        if (end !== -1) out.push({ type: "email", start, end });
      }
    },
  };
}

const OCTET = String.raw`(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;
const IPV4_EXACT = new RegExp(`^(?:${OCTET}\\.){3}${OCTET}$`);

/** IPv4 among the number tokens. Leading zeros are refused (`01.02.03.04` is more often a date or a version). */
export function ipv4Shape(): NumberShape {
  return { type: "ip", pattern: IPV4_EXACT, minLength: 7, maxLength: 15, notAnAmount: false, valid: () => true };
}

const MAX_IPV6 = 45;

/** How many 16-bit groups a `:`-separated side stands for, or -1 when malformed; an IPv4 tail counts as two. */
function countGroups(side: string, mayEndWithIpv4: boolean): number {
  if (side === "") return 0;
  const groups = side.split(":");
  let count = 0;
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i] as string;
    if (HEX_GROUP.test(group)) count++;
    else if (mayEndWithIpv4 && i === groups.length - 1 && IPV4_EXACT.test(group)) count += 2;
    else return -1;
  }
  return count;
}

/** RFC 4291 text forms: eight groups, or fewer around one `::`. Requires a digit, so `dead::beef` prose is left alone. */
export function isIpv6(candidate: string): boolean {
  if (!/\d/.test(candidate)) return false;
  const halves = candidate.split("::");
  if (halves.length > 2) return false;
  if (halves.length === 1) return countGroups(candidate, true) === 8;
  const head = countGroups(halves[0] as string, false);
  const tail = countGroups(halves[1] as string, true);
  return head >= 0 && tail >= 0 && head + tail <= 7;
}

function isIpv6Char(c: number): boolean {
  // 0-9 A-F a-f : .
  return (c >= 48 && c <= 58) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) || c === 46;
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/**
 * IPv6 is found around each `::` or `:` like email around `@`: a regex that may start on any hex letter tries every
 * a-f in English prose. The run of hex digits, colons and dots around the colon is the candidate; a trailing dot is
 * punctuation.
 */
export function createIpv6Detector(): PiiDetector {
  return {
    types: ["ip"],
    detect(text: string, out: PiiFinding[]): void {
      for (let colon = text.indexOf(":"); colon !== -1; colon = text.indexOf(":", colon + 1)) {
        let start = colon;
        while (start > 0 && isIpv6Char(text.charCodeAt(start - 1))) start--;
        let end = colon + 1;
        while (end < text.length && isIpv6Char(text.charCodeAt(end))) end++;
        const after = end;
        while (end > colon + 1 && text[end - 1] === ".") end--;
        colon = after - 1;
        // Glued to a word (`abc123::1`, `::1xyz`) or too long: not an address on its own.
        if (end - start > MAX_IPV6 || end - start < 3) continue;
        if ((start > 0 && isWordChar(text.charCodeAt(start - 1))) || (after < text.length && isWordChar(text.charCodeAt(after)))) continue;
        if (text[start] === "." || (text[start] === ":" && text[start + 1] !== ":")) continue;
        if (isIpv6(text.slice(start, end))) out.push({ type: "ip", start, end });
      }
    },
  };
}
