/**
 * What survives the young generation, by allocating stack: a preload for the process under test, and its summary.
 *
 *   node --import tsx bench/gateway.ts --frugal-node-flags "--import ./bench/probes/promoted-heap.mjs" ...
 *   node bench/probes/promoted-heap.mjs summarize <file.heapprofile> [top]
 *
 * As a preload it starts V8's sampling heap profiler after FRUGAL_PROBE_DELAY_MS (default 15000: past start-up), keeping
 * objects a minor GC could not free, including those a later full GC freed (includeObjectsCollectedByMajorGC): on a
 * request path those are the objects that live longer than a request, or that V8 allocates in old space outright
 * (hidden classes; see src/core/objects.ts). At exit it writes <FRUGAL_PROBE_DIR or tmpdir>/promoted-<pid>.heapprofile.
 * This is how the spreads and the reservation Map of bench/notes/gateway.md, "Third pass", were found.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { tmpdir } from "node:os";
import { join } from "node:path";

function summarize(file, top) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const byStack = new Map();
  const walk = (node, chain) => {
    const frame = node.callFrame;
    const name = `${frame.functionName || "(anonymous)"} ${frame.url.replace(/^file:\/\/.*?\/(src|node_modules|bench)\//, "$1/")}:${frame.lineNumber + 1}`;
    const here = [...chain, name];
    if (node.selfSize > 0) {
      const key = here.slice(-3).reverse().join(" < ");
      byStack.set(key, (byStack.get(key) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, here);
  };
  walk(profile.head, []);
  const total = [...byStack.values()].reduce((a, b) => a + b, 0);
  process.stdout.write(`sampled survivors: ${(total / 1e6).toFixed(1)} MB (sampling estimates; the top frame allocated)\n`);
  for (const [stack, bytes] of [...byStack].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${(bytes / 1e6).toFixed(2).padStart(8)} MB  ${stack}\n`);
  }
}

if (process.argv[2] === "summarize" && process.argv[1]?.endsWith("promoted-heap.mjs")) {
  summarize(process.argv[3], Number(process.argv[4] ?? 20));
} else {
  const session = new Session();
  session.connect();
  let sampling = false;
  setTimeout(() => {
    session.post("HeapProfiler.startSampling", { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false }, (error) => {
      sampling = error === null;
      if (error) process.stderr.write(`promoted-heap probe: ${error.message}\n`);
    });
  }, Number(process.env.FRUGAL_PROBE_DELAY_MS ?? 15000)).unref();
  process.on("exit", () => {
    if (!sampling) return;
    // A same-thread inspector session answers synchronously, so this runs to the end inside the exit handler.
    session.post("HeapProfiler.stopSampling", (error, result) => {
      if (error) return;
      const out = join(process.env.FRUGAL_PROBE_DIR ?? tmpdir(), `promoted-${process.pid}.heapprofile`);
      writeFileSync(out, JSON.stringify(result.profile));
      process.stderr.write(`promoted-heap probe: ${out}\n`);
    });
  });
}
