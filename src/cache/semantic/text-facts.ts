/**
 * The facts about one question the hit verifier compares between two texts: its words, and which of them carry meaning that
 * a bag of n-grams smooths over — negations, numbers, question words, capitalised names. "How do I enable 2FA?" and "How do
 * I disable 2FA?" share almost every n-gram; what tells them apart is one differing word that is an antonym of the other.
 * Computed once per text (a stored entry's facts are reused by every lookup that retrieves it).
 */

export interface TextFacts {
  /** Lower-cased word tokens, in order. */
  tokens: string[];
  tokenSet: Set<string>;
  /** Tokens outside the stop-word list. */
  contentSet: Set<string>;
  /** Number tokens (digits kept as written). */
  numbers: Set<string>;
  /** what/how/why/when/where/who/which… present. */
  questionWords: Set<string>;
  /** Lower-cased forms of tokens written with a capital letter after the first word (names, products, places). */
  capitalised: Set<string>;
  /** Count of negation words (not, never, no, n't…). */
  negations: number;
  chars: number;
}

const QUESTION_WORDS = new Set(["what", "how", "why", "when", "where", "who", "whom", "whose", "which", "can", "should", "is", "are", "do", "does"]);
const NEGATIONS = new Set(["not", "no", "never", "none", "nor", "without", "cannot", "nobody", "nothing", "neither", "nowhere"]);
const STOP_WORDS = new Set(
  "a an the of to in on at for with by from and or is are was were be been being do does did i you he she it we they me my your his her its our their this that these those what how why when where who which can could should would will shall may might must there here as if so than then about into over under up out".split(
    " ",
  ),
);
/** Prefixes that turn a word into its opposite or undo it (enable ↔ disable, like ↔ dislike, possible ↔ impossible). */
const OPPOSING_PREFIXES = ["dis", "un", "in", "im", "il", "ir", "non", "de", "en", "anti", "mis", "counter"];
/** Antonym pairs that no prefix rule catches; either order. */
const ANTONYMS: ReadonlyArray<readonly [string, string]> = [
  ["increase", "decrease"], ["before", "after"], ["buy", "sell"], ["best", "worst"], ["good", "bad"], ["start", "stop"],
  ["open", "close"], ["add", "remove"], ["win", "lose"], ["pros", "cons"], ["positive", "negative"], ["male", "female"],
  ["men", "women"], ["man", "woman"], ["up", "down"], ["more", "less"], ["most", "least"], ["cheap", "expensive"],
  ["high", "low"], ["higher", "lower"], ["long", "short"], ["old", "new"], ["young", "old"], ["rich", "poor"],
  ["love", "hate"], ["true", "false"], ["easy", "hard"], ["easy", "difficult"], ["fast", "slow"], ["big", "small"],
  ["first", "last"], ["max", "min"], ["maximum", "minimum"], ["gain", "lose"], ["import", "export"], ["send", "receive"],
  ["login", "logout"], ["on", "off"], ["in", "out"], ["top", "bottom"], ["internal", "external"], ["past", "future"],
  ["upload", "download"], ["always", "never"], ["everyone", "nobody"], ["success", "failure"], ["accept", "reject"],
];
const ANTONYM_OF = new Map<string, Set<string>>();
for (const [a, b] of ANTONYMS) {
  for (const [x, y] of [[a, b], [b, a]] as const) {
    const set = ANTONYM_OF.get(x) ?? new Set<string>();
    set.add(y);
    ANTONYM_OF.set(x, set);
  }
}

const TOKEN = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;
const DIGIT = /\p{N}/u;
const UPPER = /^\p{Lu}/u;

export function textFacts(text: string): TextFacts {
  const raw = text.normalize("NFKC").match(TOKEN) ?? [];
  const tokens: string[] = [];
  const numbers = new Set<string>();
  const questionWords = new Set<string>();
  const capitalised = new Set<string>();
  let negations = 0;
  raw.forEach((word, i) => {
    let token = word.toLowerCase().replace(/’/g, "'");
    // "doesn't" → "does" + a negation; "can't"/"won't" keep their stem so that the word itself still matches.
    if (token.endsWith("n't")) {
      negations++;
      token = token === "can't" ? "can" : token === "won't" ? "will" : token.slice(0, -3);
    } else if (NEGATIONS.has(token)) negations++;
    tokens.push(token);
    if (DIGIT.test(token)) numbers.add(token);
    if (QUESTION_WORDS.has(token) && i < 3) questionWords.add(token);
    // The first word is capitalised by grammar, "I" by convention: neither names anything.
    if (i > 0 && token !== "i" && UPPER.test(word)) capitalised.add(token);
  });
  const tokenSet = new Set(tokens);
  const contentSet = new Set(tokens.filter((t) => !STOP_WORDS.has(t) && !NEGATIONS.has(t)));
  return { tokens, tokenSet, contentSet, numbers, questionWords, capitalised, negations, chars: text.length };
}

function stripPrefix(word: string): string {
  for (const prefix of OPPOSING_PREFIXES) if (word.startsWith(prefix) && word.length - prefix.length >= 3) return word.slice(prefix.length);
  return word;
}

/** Whether two words are opposites: an antonym pair, or one is the other with an opposing prefix (or they share a stem under two). */
export function opposed(a: string, b: string): boolean {
  if (a === b) return false;
  if (ANTONYM_OF.get(a)?.has(b) === true) return true;
  const sa = stripPrefix(a);
  const sb = stripPrefix(b);
  return (sa === b || sb === a || sa === sb) && sa.length >= 3;
}

/** Words of `a` missing from `b`. */
export function missingFrom(a: Set<string>, b: Set<string>): string[] {
  const out: string[] = [];
  for (const w of a) if (!b.has(w)) out.push(w);
  return out;
}

export function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let both = 0;
  for (const w of a) if (b.has(w)) both++;
  return both / (a.size + b.size - both);
}

export function sameSet(a: Set<string>, b: Set<string>): boolean {
  if (a.size !== b.size) return false;
  for (const w of a) if (!b.has(w)) return false;
  return true;
}
