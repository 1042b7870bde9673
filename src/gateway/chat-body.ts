/**
 * What the gateway itself reads of a chat-completions body. Routes forward the body untouched (tools, response_format,
 * stop, seed, logprobs… are the upstream's business), so only the fields the gateway acts on are checked here, with
 * OpenAI-style 400s naming the field (`param`).
 */
import { invalidRequest } from "./openai-errors.ts";

export interface ChatBodyView {
  model: string;
  stream: boolean;
  includeUsage: boolean;
  /** For budgets: the output tokens the request may produce (undefined: the route's default). */
  maxTokens: number | undefined;
  temperature: number | undefined;
  messages: Array<Record<string, unknown>>;
}

function optionalNumber(body: Record<string, unknown>, key: string, min: number): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) throw invalidRequest(`${key} must be a number >= ${min}`, key);
  return value;
}

export function readChatBody(body: Record<string, unknown>): ChatBodyView {
  const model = body.model;
  if (typeof model !== "string" || model.trim() === "") throw invalidRequest("model is required (a task or route name; GET /v1/models lists them)", "model");
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) throw invalidRequest("messages must be a non-empty array", "messages");
  messages.forEach((m, i) => {
    if (m === null || typeof m !== "object" || Array.isArray(m)) throw invalidRequest(`messages[${i}] must be an object`, `messages[${i}]`);
    if (typeof (m as Record<string, unknown>).role !== "string") throw invalidRequest(`messages[${i}].role must be a string`, `messages[${i}].role`);
  });
  const stream = body.stream;
  if (stream !== undefined && stream !== null && typeof stream !== "boolean") throw invalidRequest("stream must be a boolean", "stream");
  const options = body.stream_options;
  if (options !== undefined && options !== null && (typeof options !== "object" || Array.isArray(options))) throw invalidRequest("stream_options must be an object", "stream_options");
  const maxTokens = optionalNumber(body, "max_completion_tokens", 1) ?? optionalNumber(body, "max_tokens", 1);
  return {
    model,
    stream: stream === true,
    includeUsage: (options as { include_usage?: unknown } | null | undefined)?.include_usage === true,
    maxTokens: maxTokens === undefined ? undefined : Math.floor(maxTokens),
    temperature: optionalNumber(body, "temperature", 0),
    messages: messages as Array<Record<string, unknown>>,
  };
}

/** A message's text: a string content, or its text parts joined (images and audio are not text a task can read). */
export function messageText(message: Record<string, unknown>): string {
  const content = message.content;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part) => (part !== null && typeof part === "object" && (part as { type?: unknown }).type === "text" ? String((part as { text?: unknown }).text ?? "") : ""))
    .filter((t) => t !== "")
    .join("\n");
}

/**
 * The input a task answers when called through chat: the last user message. System prompts of the client are not part
 * of it: a task owns its prompt (the LLM tier's template), so two clients asking the same thing get the same answer.
 */
export function taskInputOf(view: ChatBodyView): string {
  for (let i = view.messages.length - 1; i >= 0; i--) {
    const m = view.messages[i]!;
    if (m.role === "user") {
      const text = messageText(m);
      if (text.trim() === "") throw invalidRequest(`messages[${i}]: the user message has no text for task ${view.model}`, `messages[${i}].content`);
      return text;
    }
  }
  throw invalidRequest(`task ${view.model} answers the last user message, and there is none`, "messages");
}
