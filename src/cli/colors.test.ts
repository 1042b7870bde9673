import assert from "node:assert/strict";
import { test } from "node:test";
import { colorsEnabledFor } from "./colors.ts";

test("colours only on a terminal: CI alone does not turn them on, NO_COLOR and FORCE_COLOR win", () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  assert.equal(colorsEnabledFor(pipe, { CI: "true" }), false);
  assert.equal(colorsEnabledFor(tty, {}), true);
  assert.equal(colorsEnabledFor(tty, { TERM: "dumb" }), false);
  assert.equal(colorsEnabledFor(tty, { NO_COLOR: "1" }), false);
  assert.equal(colorsEnabledFor(pipe, { FORCE_COLOR: "1" }), true);
  assert.equal(colorsEnabledFor(pipe, { FORCE_COLOR: "0" }), false);
  assert.equal(colorsEnabledFor(tty, { NO_COLOR: "1", FORCE_COLOR: "1" }), false);
});
