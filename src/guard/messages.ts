/**
 * OpenAI chat messages: the text a user controls is `content`, a string or an array of parts. Only `{ type: "text" }`
 * parts are scanned; images, audio, files and refusals pass untouched. Tool-call arguments (`tool_calls[].function
 * .arguments`) are left as they are: they are JSON the model wrote for a tool that must receive real values, and
 * redacting them would break the call. A tool's answer comes back as a `tool` message whose `content` is scanned.
 */
import type { PiiFinding } from "./types.ts";

/** The parts of a chat message the guard reads; any OpenAI message type (system, user, assistant, tool) fits. */
export interface ChatMessageLike {
  content?: string | readonly ChatContentPartLike[] | null | undefined;
}

export interface ChatContentPartLike {
  type: string;
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

function textOf(part: ChatContentPartLike): string | undefined {
  // Bodies come from clients: a part may be null or a scalar, which holds no text to scan.
  if (part === null || typeof part !== "object" || part.type !== "text") return undefined;
  const text = (part as { text?: unknown }).text;
  return typeof text === "string" ? text : undefined;
}

/** Visits every scannable text of the messages in order. */
export function forEachMessageText(messages: readonly ChatMessageLike[], visit: (text: string, message: number, part: number | undefined) => void): void {
  messages.forEach((message, m) => {
    const content = message.content;
    if (typeof content === "string") visit(content, m, undefined);
    else if (Array.isArray(content)) {
      content.forEach((part: ChatContentPartLike, p: number) => {
        const text = textOf(part);
        if (text !== undefined) visit(text, m, p);
      });
    }
  });
}

/** Rewrites every scannable text with `rewrite`, copying only what changed. */
export function mapMessageTexts<M extends ChatMessageLike>(messages: readonly M[], rewrite: (text: string, message: number, part: number | undefined) => string): M[] {
  return messages.map((message, m) => {
    const content = message.content;
    if (typeof content === "string") {
      const text = rewrite(content, m, undefined);
      return text === content ? message : ({ ...message, content: text } as M);
    }
    if (!Array.isArray(content)) return message;
    let changed = false;
    const parts = content.map((part: ChatContentPartLike, p: number) => {
      const text = textOf(part);
      if (text === undefined) return part;
      const next = rewrite(text, m, p);
      if (next === text) return part;
      changed = true;
      return { ...part, text: next };
    });
    return changed ? ({ ...message, content: parts } as M) : message;
  });
}
