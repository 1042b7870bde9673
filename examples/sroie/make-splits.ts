/**
 * Carves SROIE's train.jsonl into train-split.jsonl and dev.jsonl: 20% of the receipts, chosen by a SHA-256 of their id
 * (splitDocuments in src/data/labeled-documents.ts), so the split never depends on file order and is the same on every
 * machine. Rows are copied byte for byte. Run from the repository root:
 *
 *   node --import tsx examples/sroie/make-splits.ts
 */
import { readFileSync, writeFileSync } from "node:fs";
import { splitDocuments } from "../../src/data/labeled-documents.ts";

export const SROIE_DEV_SHARE = 0.2;

const dir = new URL(".", import.meta.url);
const rows = readFileSync(new URL("train.jsonl", dir), "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((raw) => ({ raw, id: String((JSON.parse(raw) as { id: string }).id), text: "" }));
const { train, dev } = splitDocuments(rows, { devShare: SROIE_DEV_SHARE });
writeFileSync(new URL("train-split.jsonl", dir), `${train.map((r) => r.raw).join("\n")}\n`);
writeFileSync(new URL("dev.jsonl", dir), `${dev.map((r) => r.raw).join("\n")}\n`);
process.stdout.write(`train-split.jsonl: ${train.length} receipts, dev.jsonl: ${dev.length} receipts\n`);
