/**
 * Chat messages in node-llama-cpp's shape, and the prompt's token count. The count renders the history with the model's own
 * chat template and tokenizes it with the model's own tokenizer, so it is exactly what the model reads: `measured`.
 */
import type { ChatHistoryItem, LlamaChat, LlamaModel } from "node-llama-cpp";
import { FrugalError } from "../../core/errors.ts";
import type { ChatMessage } from "../types.ts";

/** The request's messages, then an empty model turn for the answer to fill (each request is stateless). */
export function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  if (messages.length === 0) throw new FrugalError("input_invalid", "a chat request needs at least one message");
  const history: ChatHistoryItem[] = messages.map((m): ChatHistoryItem => {
    if (typeof m.content !== "string") throw new FrugalError("input_invalid", `a ${m.role} message has no text content`);
    switch (m.role) {
      case "system":
        return { type: "system", text: m.content };
      case "user":
        return { type: "user", text: m.content };
      case "assistant":
        return { type: "model", response: [m.content] };
      default:
        throw new FrugalError("input_invalid", `unknown message role "${String(m.role)}"`);
    }
  });
  history.push({ type: "model", response: [] });
  return history;
}

export function countPromptTokens(chat: LlamaChat, model: LlamaModel, history: ChatHistoryItem[]): number {
  const { contextText } = chat.chatWrapper.generateContextState({ chatHistory: history });
  return contextText.tokenize(model.tokenizer).length;
}
