export { createPiiGuard, countFindings, summarize, type PiiGuard, type PiiSummary } from "./guard.ts";
export { piiGuardOptionsSchema, userPatternSchema, type PiiGuardOptions, type UserPattern } from "./guard-options.ts";
export { createRedactionSession, PLACEHOLDER_PATTERN, type RedactionSession } from "./session.ts";
export { createStreamRestorer, type RestoringSession, type StreamRestorer } from "./stream-restorer.ts";
export type { ChatMessageLike, MessageFinding, RedactedMessages } from "./messages.ts";
export { BUILTIN_PII_TYPES, type BuiltinPiiType, type PiiFinding, type PiiType } from "./types.ts";
export { ibanValid, luhnValid, nirValid, sirenValid, siretValid } from "./checksums.ts";
export { generateLabeledSet, type Language, type LabeledSentence, type LabeledSetOptions } from "./labeled-set.ts";
export { scoreGuard, wilsonInterval, type Interval, type TypeScore } from "./quality.ts";
