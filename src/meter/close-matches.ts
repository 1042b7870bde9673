/**
 * "Did you mean" for model names: an unknown model must fail with the names the user probably meant, not with a silent
 * zero cost. Candidates that contain the query (or the reverse) rank first, then by edit distance.
 */
import { editDistance } from "../core/text-distance.ts";

// Re-exported: callers and tests of the meter import it from here.
export { editDistance };

export interface CloseMatchOptions {
  /** At most this many suggestions. */
  limit?: number;
  /** Edit distance allowed, as a share of the longer name (0.4: "gpt4o" still finds "gpt-4o"). */
  maxRelativeDistance?: number;
}

export function closeMatches(query: string, candidates: Iterable<string>, options: CloseMatchOptions = {}): string[] {
  const limit = options.limit ?? 5;
  const maxRelative = options.maxRelativeDistance ?? 0.4;
  const q = query.toLowerCase();
  const scored: Array<{ name: string; score: number }> = [];
  for (const name of new Set(candidates)) {
    const n = name.toLowerCase();
    const contains = n.includes(q) || q.includes(n);
    const distance = editDistance(q, n);
    const relative = distance / Math.max(q.length, n.length, 1);
    if (!contains && relative > maxRelative) continue;
    // Containment beats any distance: "llama-3.1-70b" should suggest the Together and Fireworks rows first.
    scored.push({ name, score: contains ? relative - 1 : relative });
  }
  scored.sort((x, y) => x.score - y.score || x.name.localeCompare(y.name));
  return scored.slice(0, limit).map((s) => s.name);
}
