/**
 * The single-file model format shared by every compact model.
 *
 *   "FRUGALMF" | u32 format version | u32 header length | JSON header | tensor bytes (8-aligned) | sha256 of all before
 *
 * The JSON header holds everything a human may want to read (labels, featurizer config, training-data hash, metrics,
 * calibration, threshold); the tensors hold the numbers. The trailing checksum turns any corruption or truncation into a clear
 * error instead of a model that silently answers nonsense, and the version lets an older frugal refuse a newer file.
 */
import { createHash } from "node:crypto";
import { closeSync, openSync, readFileSync, readSync, renameSync, writeFileSync } from "node:fs";
import { FrugalError } from "../core/errors.ts";

export const MODEL_FILE_MAGIC = "FRUGALMF";
export const MODEL_FILE_VERSION = 1;
const PREFIX_BYTES = 16;
const CHECKSUM_BYTES = 32;

export type TensorDType = "float32" | "float64" | "int8" | "int32" | "uint32";
export type TensorData = Float32Array | Float64Array | Int8Array | Int32Array | Uint32Array;

interface TensorEntry {
  name: string;
  dtype: TensorDType;
  shape: number[];
  offset: number;
  byteLength: number;
}

export interface ModelFileContents {
  /** What reads this file, e.g. "classifier" or "extractor". */
  kind: string;
  /** JSON metadata: labels, configs, metrics, calibration... */
  meta: Record<string, unknown>;
  tensors: Record<string, { dtype: TensorDType; shape: number[]; data: TensorData }>;
}

const CTORS = { float32: Float32Array, float64: Float64Array, int8: Int8Array, int32: Int32Array, uint32: Uint32Array } as const;

function dtypeOf(data: TensorData): TensorDType {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof Int8Array) return "int8";
  if (data instanceof Int32Array) return "int32";
  return "uint32";
}

export function encodeModelFile(contents: ModelFileContents): Buffer {
  const entries: TensorEntry[] = [];
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const [name, tensor] of Object.entries(contents.tensors)) {
    if (dtypeOf(tensor.data) !== tensor.dtype) throw new FrugalError("internal", `tensor ${name}: dtype ${tensor.dtype} does not match its data`);
    const bytes = Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
    const padding = (8 - (bytes.byteLength % 8)) % 8;
    entries.push({ name, dtype: tensor.dtype, shape: tensor.shape, offset, byteLength: bytes.byteLength });
    chunks.push(bytes, Buffer.alloc(padding));
    offset += bytes.byteLength + padding;
  }
  const header = Buffer.from(JSON.stringify({ kind: contents.kind, meta: contents.meta, tensors: entries }), "utf8");
  const headerPadding = (8 - ((PREFIX_BYTES + header.byteLength) % 8)) % 8;
  const prefix = Buffer.alloc(PREFIX_BYTES);
  prefix.write(MODEL_FILE_MAGIC, 0, "ascii");
  prefix.writeUInt32LE(MODEL_FILE_VERSION, 8);
  prefix.writeUInt32LE(header.byteLength + headerPadding, 12);
  const body = Buffer.concat([prefix, header, Buffer.alloc(headerPadding, 0x20), ...chunks]);
  return Buffer.concat([body, createHash("sha256").update(body).digest()]);
}

export function decodeModelFile(buffer: Buffer, file: string, expectedKind?: string): ModelFileContents {
  const invalid = (reason: string): FrugalError =>
    new FrugalError("model_file_invalid", `${file}: not a usable frugal model file (${reason})`, { details: { file } });
  if (buffer.byteLength < PREFIX_BYTES + CHECKSUM_BYTES || buffer.toString("ascii", 0, 8) !== MODEL_FILE_MAGIC) {
    throw invalid("missing the FRUGALMF signature: is this the right file?");
  }
  const version = buffer.readUInt32LE(8);
  if (version > MODEL_FILE_VERSION) {
    throw new FrugalError(
      "model_version_unsupported",
      `${file}: model file format v${version} was written by a newer frugal; this one reads up to v${MODEL_FILE_VERSION} (upgrade frugal)`,
      { details: { file, version } },
    );
  }
  const body = buffer.subarray(0, buffer.byteLength - CHECKSUM_BYTES);
  const checksum = buffer.subarray(buffer.byteLength - CHECKSUM_BYTES);
  if (!createHash("sha256").update(body).digest().equals(checksum)) throw invalid("checksum mismatch: the file is corrupted or truncated");
  const headerLength = buffer.readUInt32LE(12);
  if (PREFIX_BYTES + headerLength > body.byteLength) throw invalid("header runs past the end of the file");
  let header: { kind: string; meta: Record<string, unknown>; tensors: TensorEntry[] };
  try {
    header = JSON.parse(body.toString("utf8", PREFIX_BYTES, PREFIX_BYTES + headerLength)) as typeof header;
  } catch {
    throw invalid("header is not valid JSON");
  }
  if (expectedKind !== undefined && header.kind !== expectedKind) {
    throw new FrugalError("model_file_invalid", `${file}: this is a \"${header.kind}\" model, not the \"${expectedKind}\" model this needs`, { details: { file } });
  }
  const dataStart = PREFIX_BYTES + headerLength;
  const tensors: ModelFileContents["tensors"] = {};
  for (const entry of header.tensors) {
    const start = dataStart + entry.offset;
    if (start + entry.byteLength > body.byteLength) throw invalid(`tensor ${entry.name} runs past the end of the file`);
    // Copy into a fresh aligned buffer: typed arrays need alignment and callers may keep them after the file buffer is gone.
    const copy = new Uint8Array(entry.byteLength);
    copy.set(body.subarray(start, start + entry.byteLength));
    tensors[entry.name] = { dtype: entry.dtype, shape: entry.shape, data: new CTORS[entry.dtype](copy.buffer) };
  }
  return { kind: header.kind, meta: header.meta, tensors };
}

/** Writes atomically (temp file + rename) so a crash never leaves a half-written model where a good one was. */
export function writeModelFile(file: string, contents: ModelFileContents): number {
  const bytes = encodeModelFile(contents);
  const temp = `${file}.tmp-${process.pid}`;
  writeFileSync(temp, bytes);
  renameSync(temp, file);
  return bytes.byteLength;
}

export function readModelFile(file: string, expectedKind?: string): ModelFileContents {
  let buffer: Buffer;
  try {
    buffer = readFileSync(file);
  } catch {
    throw new FrugalError("file_not_found", `${file}: model file not found`, { details: { file } });
  }
  return decodeModelFile(buffer, file, expectedKind);
}

/** The kind named in a readable file's header, reading only the prefix and the header; null when that is not possible. */
function headerKind(file: string): string | null {
  let fd: number | undefined;
  try {
    fd = openSync(file, "r");
    const prefix = Buffer.alloc(PREFIX_BYTES);
    if (readSync(fd, prefix, 0, PREFIX_BYTES, 0) < PREFIX_BYTES) return null;
    if (prefix.toString("ascii", 0, 8) !== MODEL_FILE_MAGIC || prefix.readUInt32LE(8) > MODEL_FILE_VERSION) return null;
    const header = Buffer.alloc(prefix.readUInt32LE(12));
    if (readSync(fd, header, 0, header.byteLength, PREFIX_BYTES) < header.byteLength) return null;
    const kind = (JSON.parse(header.toString("utf8")) as { kind?: unknown }).kind;
    return typeof kind === "string" ? kind : null;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The kind, for commands that accept any compact model (eval, predict), without reading the tensors: the loader that
 * follows reads and checks the whole file once. A file whose header cannot be read takes the full read, so its error is
 * the one the loader would give.
 */
export function peekModelKind(file: string): string {
  return headerKind(file) ?? readModelFile(file).kind;
}
