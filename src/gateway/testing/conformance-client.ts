/**
 * Test support for the conformance suite: a `fetch` for the official `openai` SDK that keeps a copy of every response
 * (status, headers, raw body), and a checker that validates each one against OpenAI's OpenAPI document, so no response or
 * stream chunk the SDK saw escapes validation, whatever the test itself asserts.
 */
import type { OpenAiSchemaName, OpenApiValidator } from "./openapi-validator.ts";

export interface Exchange {
  method: string;
  path: string;
  status: number;
  headers: Headers;
  body: string;
}

export interface RecordingFetch {
  fetch: typeof fetch;
  /** Responses whose bodies have been read to the end, in completion order. */
  exchanges: Exchange[];
  /** Waits until every recorded body has been read (streams included). */
  settled(): Promise<void>;
}

export function createRecordingFetch(): RecordingFetch {
  const exchanges: Exchange[] = [];
  const pending: Array<Promise<void>> = [];
  const recording: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const response = await fetch(request);
    // The SDK reads the original; the clone (a tee of the same bytes) is read here in parallel.
    const copy = response.clone();
    pending.push(
      copy.text().then(
        (body) => void exchanges.push({ method: request.method, path: new URL(request.url).pathname, status: response.status, headers: response.headers, body }),
        () => undefined, // The SDK aborted the request: there is no whole body to check.
      ),
    );
    return response;
  };
  return {
    fetch: recording,
    exchanges,
    async settled() {
      await Promise.all(pending.splice(0));
    },
  };
}

/** The `data:` payloads of an SSE body, in order (comments and other fields dropped), and whether it ended with [DONE]. */
export function sseData(body: string): { events: string[]; done: boolean } {
  const events: string[] = [];
  for (const block of body.split(/\r?\n\r?\n/)) {
    const data = block
      .split(/\r?\n/)
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(5).replace(/^ /, ""));
    if (data.length > 0) events.push(data.join("\n"));
  }
  const done = events.at(-1) === "[DONE]";
  return { events: done ? events.slice(0, -1) : events, done };
}

/** The OpenAI component a successful JSON answer on `path` must match; undefined for frugal's own routes (`/v1/tasks`). */
function schemaOf(path: string): OpenAiSchemaName | undefined {
  if (path.endsWith("/chat/completions")) return "CreateChatCompletionResponse";
  if (path.endsWith("/embeddings")) return "CreateEmbeddingResponse";
  if (path.endsWith("/models")) return "ListModelsResponse";
  return undefined;
}

/**
 * Validates one exchange and returns how many bodies (a JSON body, or each stream chunk) were checked. Errors (status
 * ≥ 400, and an error event inside a stream) must be ErrorResponse; streams must end with `data: [DONE]`.
 */
export function validateExchange(validator: OpenApiValidator, exchange: Exchange): number {
  const what = `${exchange.method} ${exchange.path} → ${exchange.status}`;
  if ((exchange.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    const { events, done } = sseData(exchange.body);
    if (!done) throw new Error(`${what}: the stream did not end with data: [DONE]\n${exchange.body.slice(-500)}`);
    events.forEach((data, i) => {
      const chunk = JSON.parse(data) as Record<string, unknown>;
      validator.assertValid("error" in chunk ? "ErrorResponse" : "CreateChatCompletionStreamResponse", chunk, `${what} chunk ${i}`);
    });
    return events.length;
  }
  const body: unknown = JSON.parse(exchange.body);
  if (exchange.status >= 400) {
    validator.assertValid("ErrorResponse", body, what);
    return 1;
  }
  const schema = schemaOf(exchange.path);
  if (schema === undefined) return 0;
  validator.assertValid(schema, body, what);
  return 1;
}

/** Validates every exchange recorded so far and forgets them; returns the number of bodies checked. */
export async function validateAll(validator: OpenApiValidator, recorder: RecordingFetch): Promise<number> {
  await recorder.settled();
  let checked = 0;
  for (const exchange of recorder.exchanges.splice(0)) checked += validateExchange(validator, exchange);
  return checked;
}
