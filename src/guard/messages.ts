/**
 * OpenAI chat messages: the text a user controls is `content`, a string or an array of parts. Only `{ type: "text" }`
 * parts are scanned; images, audio, files and refusals pass untouched. Tool-call arguments (`tool_calls[].function
 * .arguments`) are left as they are: they are JSON the model wrote for a tool that must receive real values, and
 * redacting them would break the call. A tool's answer comes back as a `tool` message whose `content` is scanned.
 * The input is request JSON: anything that is not the expected shape (a null part, a number as content) is passed on
 * untouched rather than thrown on, and the gateway's own validation decides about it.
 */
import type { PiiFinding } from "./types.ts";

/** Any OpenAI message type (system, user, assistant, tool) fits, and so does a parsed-JSON record. */
export interface ChatMessageLike {
  content?: unknown;
}

/** A finding in one message: `part` is the index in `content` when it is an array, absent when it is a string. */
export interface MessageFinding extends PiiFinding {
  message: number;
  part?: number;
}

export interface RedactedMessages<M> {
  /** A new array; messages without findings are the same objects, the others shallow copies. */
  messages: M[];
  findings: MessageFinding[];
}

function textOf(part: unknown): string | undefined {
  if (part === null || typeof part !== "object") return undefined;
  const { type, text } = part as { type?: unknown; text?: unknown };
  return type === "text" && typeof text === "string" ? text : undefined;
}

function contentOf(message: unknown): unknown {
  return message !== null && typeof message === "object" ? (message as ChatMessageLike).content : undefined;
}

/** Visits every scannable text of the messages in order. */
export function forEachMessageText(messages: readonly ChatMessageLike[], visit: (text: string, message: number, part: number | undefined) => void): void {
  messages.forEach((message, m) => {
    const content = contentOf(message);
    if (typeof content === "string") visit(content, m, undefined);
    else if (Array.isArray(content)) {
      content.forEach((part: unknown, p: number) => {
        const text = textOf(part);
        if (text !== undefined) visit(text, m, p);
      });
    }
  });
}

/** Rewrites every scannable text with `rewrite`, copying only what changed. */
export function mapMessageTexts<M extends ChatMessageLike>(messages: readonly M[], rewrite: (text: string, message: number, part: number | undefined) => string): M[] {
  return messages.map((message, m) => {
    const content = contentOf(message);
    if (typeof content === "string") {
      const text = rewrite(content, m, undefined);
      return text === content ? message : { ...message, content: text };
    }
    if (!Array.isArray(content)) return message;
    let changed = false;
    const parts = content.map((part: unknown, p: number) => {
      const text = textOf(part);
      if (text === undefined) return part;
      const next = rewrite(text, m, p);
      if (next === text) return part;
      changed = true;
      return { ...(part as object), text: next };
    });
    return changed ? { ...message, content: parts } : message;
  });
}
