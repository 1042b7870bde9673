import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { escapeHtml, escapeMarkdownCell, escapeMarkdownText, jsonForScript } from "./escape.ts";

const HOSTILE = "</script><img src=x onerror=alert(1)>";

describe("escapeHtml", () => {
  it("neutralizes tags, entities and both quote kinds", () => {
    assert.equal(escapeHtml(HOSTILE), "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;");
    assert.equal(escapeHtml(`a & "b" 'c'`), "a &amp; &quot;b&quot; &#39;c&#39;");
  });
  it("leaves plain text alone", () => {
    assert.equal(escapeHtml("banking77 → frugal · 93.4%"), "banking77 → frugal · 93.4%");
  });
});

describe("jsonForScript", () => {
  const value = { name: HOSTILE, note: "<!-- x --> & \u2028\u2029", nested: [{ label: "</SCRIPT >" }] };
  it("contains no character that can close or confuse a script block", () => {
    const text = jsonForScript(value);
    assert.ok(!/[<>&\u2028\u2029]/.test(text), text);
  });
  it("parses back to exactly the input", () => {
    assert.deepEqual(JSON.parse(jsonForScript(value)), value);
  });
});

describe("Markdown escaping", () => {
  it("keeps a table cell in one cell and one row", () => {
    const cell = escapeMarkdownCell("a|b\nc");
    assert.ok(!/(^|[^\\])\|/.test(cell), cell);
    assert.ok(!cell.includes("\n"));
  });
  it("turns HTML into entities and escapes emphasis", () => {
    assert.equal(escapeMarkdownText("<b>x</b> *y* _z_"), "&lt;b&gt;x&lt;/b&gt; \\*y\\* \\_z\\_");
  });
});
