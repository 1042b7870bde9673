/**
 * What the WebAssembly SIMD kernels buy, and where a prediction spends its time. Training: one BANKING77 fold model with the
 * float32 SIMD kernels vs the JavaScript backend (same options, same fold). Predict: trains the default BANKING77 model,
 * then times on the test texts (steady state, after a warm-up pass) the hashing of n-grams, the TF-IDF vector, the whole
 * predict, and the int8 layers alone with the SIMD kernel vs its bit-identical JavaScript fallback.
 * Run: `node --import tsx bench/compact-kernels.ts`
 */
import { loadavg } from "node:os";
import { readLabeledTexts } from "../src/data/labeled-texts.ts";
import { createNetworkScorer, planTraining, runFold, trainClassifierParallel, type FoldModelOptions } from "../src/compact/index.ts";

const train = readLabeledTexts("examples/banking77/train.csv").examples;
const texts = readLabeledTexts("examples/banking77/test.csv").examples.map((e) => e.text);
console.log(`compact kernels — ${new Date().toISOString()} — node ${process.version}, load ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
const plan = planTraining({ examples: train });
const job = plan.jobs.find((j) => j.fold === 0);
if (job === undefined) throw new Error("no fold");
for (const backend of ["auto", "js"] as const) {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const model: FoldModelOptions = job.model.kind === "mlp" ? { kind: "mlp", options: { ...job.model.options, backend } } : { kind: "linear", options: { ...job.model.options, backend } };
  const fold = runFold({ ...job, model });
  const cpu = process.cpuUsage(cpu0);
  console.log(`  train one fold (${job.train.y.length} examples, ${fold.epochsRun} epochs), ${backend === "js" ? "JavaScript" : "WebAssembly SIMD"}: ${((performance.now() - wall0) / 1000).toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU`);
}
const { classifier, parts } = await trainClassifierParallel({ examples: train });

function perItem(name: string, fn: (text: string) => unknown): void {
  for (const t of texts) fn(t);
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let round = 0; round < 3; round++) for (const t of texts) fn(t);
  const cpu = process.cpuUsage(cpu0);
  const n = 3 * texts.length;
  console.log(`  ${name.padEnd(42)} ${(((performance.now() - wall0) * 1000) / n).toFixed(1).padStart(6)} µs wall, ${((cpu.user + cpu.system) / n).toFixed(1).padStart(6)} µs CPU per text`);
}

const shape = parts.layers.map((l) => l.numInputs).join(" × ");
console.log(`model: ${shape} × ${parts.labels.length} classes, backend ${classifier.backend}; ${texts.length} BANKING77 test texts`);
perItem("hash n-grams", (t) => classifier.space.featurizer.hash(t));
perItem("hash + TF-IDF vector", (t) => classifier.space.transform(t));
perItem("predict (vector + int8 layers + softmax)", (t) => classifier.predict(t));
const vectors = texts.map((t) => {
  const v = classifier.space.transform(t);
  return { indices: v.indices.slice(0, v.nnz), values: v.values.slice(0, v.nnz), nnz: v.nnz };
});
const out = new Float64Array(parts.labels.length);
for (const backend of ["auto", "js"] as const) {
  const scorer = createNetworkScorer(parts.layers, { backend });
  const index = new Map(texts.map((t, i) => [t, i]));
  perItem(`int8 layers only (${scorer.backend})`, (t) => {
    const v = vectors[index.get(t) as number] as (typeof vectors)[number];
    return scorer.logits(v.indices, v.values, v.nnz, out);
  });
}
