/** Audit sampling, the kept-error estimate and the drift guard of `frugal serve` (see auditor.ts). */
export { createAuditor, type Auditor, type AuditorOptions } from "./auditor.ts";
export { auditSchema, type AuditConfig } from "./config.ts";
export { createDriftGuard, type DriftGuard, type DriftGuardOptions, type GuardTransition } from "./drift-guard.ts";
export { createKeptErrorWindow, keptErrorBounds, type AuditSample, type KeptErrorStats, type KeptErrorWindow } from "./kept-error.ts";
export { withServedThreshold, type ServedThresholdLookup } from "./served-tier.ts";
export type { AdminStatus, AnsweredRequest, AuditLlm, AuditOutcome, KeeperInfo, StreamStatus, TaskAuditStatus } from "./types.ts";
