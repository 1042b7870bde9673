/**
 * Restores placeholders in a streamed answer (SSE deltas), where a delta may end in the middle of one: `[EM` then
 * `AIL_1]`. Everything is passed through at once except a tail that starts at the last `[` and is still a proper
 * prefix of a placeholder the session assigned: at most one placeholder's length is ever held back, and text that cannot
 * become a placeholder (`[see note]`, `[x`) is not delayed at all.
 *
 * Why the pieces add up to `restore(whole)`: a placeholder contains no `[` after its first character, so no placeholder
 * in the whole text crosses a cut made at a `[`; and a cut made at the end of the buffer can only split a placeholder
 * whose beginning is the held tail, which is exactly the case that is held. Assumes the session assigns nothing new
 * while the stream runs (the gateway redacts the request before it streams the answer).
 */

export interface StreamRestorer {
  /** Feeds a delta; returns the restored text that is safe to send now (possibly empty). */
  push(delta: string): string;
  /** Ends the stream: returns whatever was held back, restored (an unfinished placeholder is sent as it is). */
  flush(): string;
}

/** The part of a session the restorer needs (kept narrow so the two files do not import each other's internals). */
export interface RestoringSession {
  restore(text: string): string;
  isPlaceholderPrefix(text: string): boolean;
}

export function createStreamRestorer(session: RestoringSession): StreamRestorer {
  let held = "";
  return {
    push(delta: string): string {
      const buffer = held + delta;
      const open = buffer.lastIndexOf("[");
      if (open !== -1 && session.isPlaceholderPrefix(buffer.slice(open))) {
        held = buffer.slice(open);
        return session.restore(buffer.slice(0, open));
      }
      held = "";
      return session.restore(buffer);
    },
    flush(): string {
      const rest = held;
      held = "";
      return session.restore(rest);
    },
  };
}
