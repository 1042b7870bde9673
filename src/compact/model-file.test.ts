import { test } from "node:test";
import assert from "node:assert/strict";
import { FrugalError } from "../core/errors.ts";
import { decodeModelFile, encodeModelFile, MODEL_FILE_VERSION } from "./model-file.ts";

const contents = {
  kind: "classifier",
  meta: { labels: ["a", "b"], threshold: 0.7 },
  tensors: {
    weights: { dtype: "int8" as const, shape: [2, 3], data: new Int8Array([1, -2, 3, 127, -127, 0]) },
    scales: { dtype: "float32" as const, shape: [2], data: new Float32Array([0.5, 0.25]) },
  },
};

test("round-trips meta and tensors", () => {
  const decoded = decodeModelFile(encodeModelFile(contents), "m.frugal", "classifier");
  assert.deepEqual(decoded.meta, contents.meta);
  assert.deepEqual([...decoded.tensors.weights!.data], [1, -2, 3, 127, -127, 0]);
  assert.deepEqual([...decoded.tensors.scales!.data], [0.5, 0.25]);
});

function rejects(buffer: Buffer, code: string, fragment: string, kind?: string): void {
  assert.throws(
    () => decodeModelFile(buffer, "m.frugal", kind),
    (e: unknown) => e instanceof FrugalError && e.code === code && e.message.includes("m.frugal") && e.message.includes(fragment),
  );
}

test("refuses corrupted, truncated, foreign, newer and wrong-kind files", () => {
  const good = encodeModelFile(contents);
  const flipped = Buffer.from(good);
  flipped[40] = flipped[40]! ^ 0xff;
  rejects(flipped, "model_file_invalid", "checksum");
  rejects(good.subarray(0, good.byteLength - 10), "model_file_invalid", "checksum");
  rejects(Buffer.from("text,label\nhello,a\n".repeat(5)), "model_file_invalid", "signature");
  const newer = Buffer.from(good);
  newer.writeUInt32LE(MODEL_FILE_VERSION + 1, 8);
  rejects(newer, "model_version_unsupported", "newer frugal");
  rejects(good, "model_file_invalid", "not the \"extractor\" model", "extractor");
});
