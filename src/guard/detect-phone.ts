/**
 * Phone numbers in the three shapes prompts carry: international (`+33 6 12 34 56 78`, `+1 (555) 123-4567`,
 * `+44 20 7946 0958`), French national (`06 12 34 56 78`, `01.23.45.67.89`, `0612345678`) and North American
 * (`(555) 123-4567`, `555-123-4567`). There is no checksum, so the shapes are strict instead: French numbers need five
 * pairs with one consistent separator, North American ones an area code that cannot start with 0 or 1, international
 * ones 8 to 15 digits (E.164). Dates (`01.02.2024`), amounts and short codes do not fit any of them.
 */
import type { NumberShape } from "./number-tokens.ts";

const SEP = String.raw`[ \u00A0\u202F.\-]`;
// Separators are mandatory between international groups: an optional one would let `\d+` runs split in exponentially
// many ways before a failing anchor. `(0)` is the trunk prefix some write after the country code.
const INTERNATIONAL = String.raw`(\+[1-9]\d{0,3}(?:${SEP}?\(\d{1,4}\))?(?:${SEP}?\d+)?(?:${SEP}\d+)*)`;
const FRENCH = String.raw`0[1-9](${SEP}?)\d\d\2\d\d\2\d\d\2\d\d`;
// The bracketed area code is distinctive enough to allow a space before the last four digits; `555 123 4567` is not.
const NORTH_AMERICAN = String.raw`\([2-9]\d\d\)${SEP}?\d{3}${SEP}\d{4}|[2-9]\d\d([.\-])\d{3}\3\d{4}`;
const GROUP_BREAKS = /[ \u00A0\u202F.\-()]+/;

const MIN_E164 = 8;
const MAX_E164 = 15;
const MAX_GROUPS = 7;

export function phoneShape(): NumberShape {
  return {
    type: "phone",
    pattern: new RegExp(`^(?:${INTERNATIONAL}|${FRENCH}|${NORTH_AMERICAN})$`),
    // 8 digits after a `+` at the shortest; 15 digits, a trunk and seven groups at the longest.
    minLength: 9,
    maxLength: 30,
    notAnAmount: false,
    valid(_token, match) {
      const international = match[1];
      if (international === undefined) return true;
      // The trunk `(0)` is dialled only nationally: it does not count towards the E.164 length.
      const significant = international.replace("(0)", "");
      let digits = 0;
      for (let i = 0; i < significant.length; i++) {
        const c = significant.charCodeAt(i);
        if (c >= 48 && c <= 57) digits++;
      }
      return digits >= MIN_E164 && digits <= MAX_E164 && international.split(GROUP_BREAKS).length <= MAX_GROUPS;
    },
  };
}
