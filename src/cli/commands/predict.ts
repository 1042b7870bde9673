/**
 * `frugal predict --model <model-file> [--json]`: one text per stdin line → label, calibrated confidence, and whether the
 * model keeps the answer (confidence ≥ its threshold, certified for texts exchangeable with its calibration split) or the
 * cascade would escalate it. With --json, one JSON
 * object per input line (JSON lines), each carrying its input line number; blank lines are skipped.
 */
import type { Command } from "commander";
import { FrugalError } from "../../core/errors.ts";
import { runCommand } from "../run-command.ts";

interface PredictFlags {
  model: string;
  json?: boolean;
}

/** stdin split on "\n" as bytes, each line decoded strictly, so a non-UTF-8 line is named instead of silently mangled. */
export async function* readStdinLines(stream: AsyncIterable<Buffer | string> = process.stdin): AsyncGenerator<{ line: number; text: string }> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let pending: Buffer[] = [];
  let line = 0;
  const decode = (bytes: Buffer): string => {
    try {
      return decoder.decode(bytes).replace(/\r$/, "");
    } catch {
      throw new FrugalError("input_invalid", `stdin:${line}: text is not valid UTF-8`, { details: { file: "stdin", line } });
    }
  };
  for await (const chunk of stream) {
    let bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    let nl = bytes.indexOf(0x0a);
    while (nl >= 0) {
      pending.push(bytes.subarray(0, nl));
      line++;
      yield { line, text: decode(Buffer.concat(pending)) };
      pending = [];
      bytes = bytes.subarray(nl + 1);
      nl = bytes.indexOf(0x0a);
    }
    if (bytes.length > 0) pending.push(bytes);
  }
  if (pending.length > 0) {
    line++;
    const text = decode(Buffer.concat(pending));
    if (text !== "") yield { line, text };
  }
}

async function predictClassifier(flags: PredictFlags): Promise<void> {
  const { loadCompactClassifier } = await import("../../compact/index.ts");
  const model = loadCompactClassifier(flags.model);
  const out: string[] = [];
  const flush = (): void => {
    if (out.length > 0) process.stdout.write(`${out.join("\n")}\n`);
    out.length = 0;
  };
  for await (const { line, text } of readStdinLines()) {
    if (text.trim() === "") continue;
    const { label, confidence } = model.predict(text);
    const kept = confidence >= model.threshold;
    out.push(
      flags.json === true
        ? JSON.stringify({ line, label, confidence, kept, action: kept ? "keep" : "escalate" })
        : `${label}\t${confidence.toFixed(4)}\t${kept ? "keep" : "escalate"}`,
    );
    if (out.length >= 256) flush();
  }
  flush();
}

export async function predictAction(flags: PredictFlags): Promise<void> {
  // The model file says which predictor runs; the libraries are loaded here, by this command only.
  const [{ CLASSIFIER_KIND, peekModelKind }, { EXTRACTOR_KIND }] = await Promise.all([import("../../compact/index.ts"), import("../../compact/extract/model.ts")]);
  const kind = peekModelKind(flags.model);
  switch (kind) {
    case CLASSIFIER_KIND:
      return predictClassifier(flags);
    case EXTRACTOR_KIND:
      return (await import("./predict-extract.ts")).predictExtract(flags);
    default:
      throw new FrugalError("input_invalid", `${flags.model}: \`frugal predict\` reads one text per line and supports classifier models; this is a "${kind}" model`, {
        details: { file: flags.model },
      });
  }
}

export function registerPredictCommand(program: Command): void {
  program
    .command("predict")
    .description("answer from stdin with a compact model: a classifier reads one text per line (label, confidence, keep or escalate); an extractor reads one document (field, value, confidence, keep or escalate)")
    .requiredOption("--model <model-file>", "model file from `frugal train classify` or `frugal train extract`")
    .option("--json", "one JSON object per input line (classifier) or per document (extractor)")
    .option("--jsonl", "extractor models: one {\"text\": ...} JSON object per stdin line (default: the whole stdin is one document)")
    .action(runCommand(predictAction));
}
