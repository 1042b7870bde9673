/**
 * A relayed stream after its first event: the upstream's SSE events handed over one by one, untouched, for the gateway
 * to rewrite and serialize. Nothing is retried from here on (the client already has bytes), so a stream that breaks ends
 * the iteration with a FrugalError naming the route and the upstream; the gateway turns it into a final SSE error event.
 *
 * Chunks are not parsed, only scanned: each must be framed as a JSON object (else the stream breaks with
 * provider_error), the one carrying `usage` is parsed for its counts (and marked when it is the usage-only chunk the
 * client may not have asked for), and the first `finish_reason` is noted, so a stream that ends after its finish but
 * without `[DONE]` counts as complete while one that stops before is truncated.
 */
import { extend } from "../core/objects.ts";
import { FrugalError } from "../core/errors.ts";
import { SSE_DONE, type SseEvent } from "../providers/sse.ts";
import { malformedError } from "../providers/openai-compatible/errors.ts";
import { framedAsJsonObject, settleFailure, shutdownError, usageOf, type OpenedStream, type TargetRuntime } from "./attempt.ts";
import type { RelayCall } from "./call.ts";
import type { RelaySseEvent, RelayStreamResult, RelayTarget, RelayUsage } from "./types.ts";

const USAGE = /"usage"\s*:\s*\{/;
const FINISH = /"finish_reason"\s*:\s*"/;

export class RelayStream implements RelayStreamResult {
  readonly kind = "stream";
  readonly status: number;
  readonly attempts: number;
  readonly firstEventMs: number;
  readonly events: AsyncIterable<RelaySseEvent>;
  private usageSeen: RelayUsage | undefined;
  private endedAt: number | undefined;
  private finishSeen = false;
  private received = 0;

  constructor(
    private readonly call: RelayCall,
    private readonly runtime: TargetRuntime,
    readonly target: RelayTarget,
    private readonly opened: OpenedStream,
    readonly clientWantsUsage: boolean,
  ) {
    this.status = opened.status;
    this.attempts = call.attempts;
    this.firstEventMs = performance.now() - call.startedAt;
    this.events = this.iterate();
  }

  usage(): RelayUsage | undefined {
    return this.usageSeen;
  }

  latencyMs(): number | undefined {
    return this.endedAt === undefined ? undefined : this.endedAt - this.call.startedAt;
  }

  private inspect(event: RelaySseEvent): void {
    const data = event.data;
    if (!framedAsJsonObject(data)) {
      // Passed on, the client's SDK would fail to parse it with no OpenAI error; the stream ends here with one instead.
      throw this.broke(malformedError(this.runtime.upstream.endpoint, "an SSE event that is not a JSON object", data));
    }
    this.received++;
    if (!this.finishSeen && FINISH.test(data)) this.finishSeen = true;
    if (!USAGE.test(data)) return;
    try {
      const chunk = JSON.parse(data) as { choices?: unknown };
      this.usageSeen = usageOf(chunk) ?? this.usageSeen;
      if (Array.isArray(chunk.choices) && chunk.choices.length === 0) event.usageOnly = true;
    } catch {
      // Not JSON: the gateway meets it too and decides; usage stays unknown.
    }
  }

  /** A failure after the first event: booked on the breaker, reworded to say the stream broke mid-way. */
  private broke(thrown: unknown): FrugalError {
    const error = settleFailure(this.call, this.runtime, thrown, false);
    if (error.code === "cancelled") return error;
    if (this.runtime.upstream.closed) return shutdownError(this.call.route, error);
    const { upstream, model } = this.target;
    return new FrugalError(error.code, `route "${this.call.route}": the stream from ${upstream} (${model}) broke after ${this.received} events: ${error.message}`, {
      cause: error,
      retryable: false,
      details: extend(error.details, { route: this.call.route, upstream, model, midStream: true, eventsReceived: this.received }),
    });
  }

  private async *iterate(): AsyncGenerator<RelaySseEvent> {
    const reader = this.opened.reader;
    let event: SseEvent | undefined = this.opened.first;
    let done = false;
    try {
      for (;;) {
        if (event === undefined) {
          if (reader.ended) break;
          try {
            await reader.fill();
          } catch (error) {
            // After [DONE] the answer is complete: a connection dropped while draining it is not the client's problem.
            if (done) break;
            throw this.broke(error);
          }
        } else if (!done) {
          // Events still buffered when the client left or the deadline passed are not handed out.
          if (this.call.aborted) throw this.broke(new Error("aborted"));
          if (event.data === SSE_DONE) done = true;
          else this.inspect(event);
          yield event;
        }
        event = reader.shift();
      }
      if (!done) {
        if (!this.finishSeen) {
          throw this.broke(
            new FrugalError("provider_error", `${this.runtime.upstream.endpoint} ended the stream before a finish_reason or [DONE]: the answer is truncated`, {
              details: { endpoint: this.runtime.upstream.endpoint, malformed: "truncated stream" },
            }),
          );
        }
        yield { event: "message", data: SSE_DONE };
      }
    } finally {
      this.endedAt = performance.now();
      this.call.end();
      // Stopped early (break, throw): the body is still open; closing the reader destroys it.
      if (!reader.ended) await reader.close().catch(() => undefined);
    }
  }
}
