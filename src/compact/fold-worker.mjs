// Worker thread entry for cross-fitting: trains one fold per message (src/compact/cross-fit.ts, `runFold`) and posts the
// result back with its buffers transferred, not copied. Plain JavaScript so that Node can start it without a TypeScript
// loader; it registers tsx itself, because workers do not inherit loader hooks registered through the API (bin/frugal.js).
import { parentPort } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
const { runFold } = await import("./cross-fit.ts");

parentPort.on("message", (job) => {
  try {
    const result = runFold(job, (epoch) => parentPort.postMessage({ type: "epoch", fold: job.fold, epoch }));
    // Every typed array of the result owns its buffer (weights, biases, logits): move them all, each once.
    const arrays = [...Object.values(result.model), result.heldOutFloat, result.heldOutInt8, result.validFloat, result.validInt8];
    const transfer = [...new Set(arrays.filter((a) => ArrayBuffer.isView(a)).map((a) => a.buffer))];
    parentPort.postMessage({ type: "done", result }, transfer);
  } catch (error) {
    parentPort.postMessage({ type: "error", message: error instanceof Error ? error.message : String(error) });
  }
});
