/**
 * One deterministic rule for overlapping candidates from different detectors: the longer span wins (a SIRET over the
 * SIREN it starts with, an email over the phone number in its local part); at equal length the more specific type wins
 * (a checksum with a narrower format beats a looser one, a user pattern beats every built-in because the user asked
 * for it); then the earlier start. The result is sorted by start and free of overlaps. Sorts `candidates` in place
 * (the scan's own array).
 */
import type { PiiFinding } from "./types.ts";

// Higher is more specific. Types not listed (user patterns) rank above all of them.
const SPECIFICITY: Readonly<Record<string, number>> = {
  phone: 1,
  ip: 2,
  email: 3,
  fr_siren: 4,
  card: 5,
  fr_siret: 6,
  fr_nir: 7,
  iban: 8,
};
const USER_PATTERN_RANK = 100;

function rank(type: string): number {
  return SPECIFICITY[type] ?? USER_PATTERN_RANK;
}

function before(a: PiiFinding, b: PiiFinding): number {
  return b.end - b.start - (a.end - a.start) || rank(b.type) - rank(a.type) || a.start - b.start || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0);
}

export function resolveOverlaps(candidates: PiiFinding[]): PiiFinding[] {
  if (candidates.length <= 1) return candidates;
  // The common case, no overlap at all, costs one sort by start.
  candidates.sort((a, b) => a.start - b.start);
  let overlapping = false;
  for (let i = 1; i < candidates.length && !overlapping; i++) overlapping = (candidates[i] as PiiFinding).start < (candidates[i - 1] as PiiFinding).end;
  if (!overlapping) return candidates;
  const kept: PiiFinding[] = [];
  for (const candidate of [...candidates].sort(before)) {
    if (!kept.some((k) => k.start < candidate.end && candidate.start < k.end)) kept.push(candidate);
  }
  return kept.sort((a, b) => a.start - b.start);
}
