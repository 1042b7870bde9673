/**
 * Escaping for the three places user text lands in a report: HTML text and attributes, JSON inlined in a <script> block,
 * and Markdown table cells. Dataset names, labels and tier names come from users, so every one goes through here.
 */

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Safe in text nodes and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

/**
 * JSON that can sit inside `<script type="application/json">`: `<`, `>` and `&` become \u escapes so no `</script>` or
 * `<!--` can end or confuse the block, and U+2028/U+2029 are escaped for old parsers. JSON.parse restores them unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/**
 * One Markdown table cell: pipes would split the cell, newlines would end the row, and raw HTML is live in most renderers
 * (GitHub strips scripts, others do not), so `<`/`>`/`&` are entity-encoded.
 */
export function escapeMarkdownCell(text: string): string {
  return escapeMarkdownText(text).replace(/\|/g, "\\|").replace(/\r?\n|\r/g, " ");
}

/** Inline Markdown text outside tables: HTML entities, and the characters that would start emphasis or code. */
export function escapeMarkdownText(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/([\\`*_[\]])/g, "\\$1");
}
