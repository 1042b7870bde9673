/** `frugal distill` of an extract task, as a person reads it: sizes, then per field the certificate and held-out figures. */
import type { DistillExtractResult, FieldSourceEvaluation } from "../../improve/distill-extract.ts";

const pct = (v: number | null): string => (v === null ? "-" : `${(v * 100).toFixed(1)}%`);

function figures(e: FieldSourceEvaluation | undefined, against: string): string {
  if (e === undefined || e.n === 0) return "no rows";
  const ci = e.accuracyCi95 === null ? "" : ` [${pct(e.accuracyCi95[0])}, ${pct(e.accuracyCi95[1])}]`;
  return `${against} ${pct(e.accuracy)}${ci}, keeps ${pct(e.coverage)} with kept error ${pct(e.keptError)}`;
}

export function describeExtract(result: DistillExtractResult): string {
  const { report, version, ledgerRows: l } = result;
  const s = report.sizes;
  const lines = [
    `distilled extract task ${report.task}: candidate extractor ${version.version} registered (compared with ${result.against})`,
    `ledger: ${l.taskRows} task rows, ${l.withBody} with bodies, ${l.llmAnswered} answered (at least in part) by the LLM, ${s.llmPartlyKept} of them partly kept by the compact tier; ${l.feedback} feedback (${l.feedbackWithoutInput} without a stored input)`,
    `documents: ${s.trainDocuments} train (field labels: seed ${s.trainLabels.seed} / llm ${s.trainLabels.llm} / gold ${s.trainLabels.gold}), ${s.heldOutDocuments} held out (llm ${s.heldOutLabels.llm}, gold ${s.heldOutLabels.gold}, seed ${s.heldOutLabels.seed})`,
    `certificates at ε=${report.epsilon} (${report.confidenceLevel} confidence, on the trainer's calibration split), and held-out rows per field (LLM labels: agreement; gold and seed: accuracy):`,
  ];
  for (const field of report.fields) {
    const c = report.candidate.certificates[field];
    lines.push(`  ${field}: ${c === undefined || !c.certified ? "not certified (always escalates)" : `threshold ${c.threshold?.toFixed(4)}, expected coverage ${pct(c.expectedCoverage)} (${c.calibrationRows} calibration rows)`}`);
    for (const source of ["llm", "gold", "seed"] as const) {
      const cand = report.candidate.heldOut[field]?.[source];
      if (cand === undefined || cand.n === 0) continue;
      const against = source === "llm" ? "agreement" : "accuracy";
      lines.push(`    ${source.padEnd(4)} n=${cand.n}  candidate: ${figures(cand, against)}`);
      if (report.current !== null) lines.push(`    ${"".padEnd(4)} ${"".padEnd(`n=${cand.n}`.length)}  current:   ${figures(report.current.heldOut[field]?.[source], against)}`);
    }
  }
  for (const note of report.notes) lines.push(`note: ${note}`);
  lines.push(`extractor versions are not served by \`frugal promote\` yet: to serve it, point the compact tier's \`model\` at registry/${report.task}/${version.file} in the data dir (or copy it out with --out)`);
  return `${lines.join("\n")}\n`;
}
