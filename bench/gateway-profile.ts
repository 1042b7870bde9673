/**
 * Where a process spent its CPU, from a V8 `.cpuprofile` (node --cpu-prof): self time by function and by file, and the
 * inclusive time of the project's own functions (src/), so a hot spot in src/gateway, src/relay or src/ledger shows with
 * what it calls. Paths are shown relative to the project root. tsx runs each TypeScript module as one minified line, so
 * a profile's positions are mapped back to source lines through the source maps tsx keeps in its cache
 * (<tmpdir>/tsx-<uid>/, the newest entry per source file: the version the profiled process most likely ran).
 *
 *   node --import tsx bench/gateway-profile.ts FILE.cpuprofile [--top 25]
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { SourceMap, type SourceMapPayload } from "node:module";
import { tmpdir, userInfo } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Source maps of tsx's cache by source path (the newest entry of each). */
function tsxSourceMaps(): Map<string, SourceMap> {
  const dir = join(tmpdir(), `tsx-${userInfo().uid}`);
  const newest = new Map<string, { mtime: number; map: SourceMapPayload }>();
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return new Map();
  }
  for (const name of names) {
    try {
      const path = join(dir, name);
      const entry = JSON.parse(readFileSync(path, "utf8")) as { map?: SourceMapPayload | string };
      const map = typeof entry.map === "string" ? (JSON.parse(entry.map) as SourceMapPayload) : entry.map;
      const source = map?.sources[0];
      if (map === undefined || source === undefined) continue;
      const mtime = statSync(path).mtimeMs;
      if ((newest.get(source)?.mtime ?? -1) < mtime) newest.set(source, { mtime, map });
    } catch {
      // not a transform cache entry
    }
  }
  return new Map([...newest].map(([source, { map }]) => [source, new SourceMap(map)]));
}

function where(url: string, root: string): string {
  let path = url;
  try {
    if (url.startsWith("file://")) path = fileURLToPath(url);
  } catch {
    // not a file URL: keep it as it is
  }
  if (path === "") return "(native)";
  return path.startsWith(root) ? path.slice(root.length + 1) : path;
}

/** A text report of the profile's `top` hot spots. */
export function summarizeCpuProfile(file: string, root: string, top = 25): string {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idleUs = profile.nodes.filter((n) => n.callFrame.functionName === "(idle)").reduce((a, n) => a + (selfUs.get(n.id) ?? 0), 0);
  const busyUs = totalUs - idleUs;

  const maps = tsxSourceMaps();
  const lineOf = (n: ProfileNode): number => {
    const path = n.callFrame.url.startsWith("file://") ? fileURLToPath(n.callFrame.url) : n.callFrame.url;
    const found = maps.get(path)?.findEntry(n.callFrame.lineNumber, n.callFrame.columnNumber) as { originalLine?: number } | undefined;
    return (found?.originalLine ?? n.callFrame.lineNumber) + 1;
  };
  const key = (n: ProfileNode): string => `${n.callFrame.functionName || "(anonymous)"}  ${where(n.callFrame.url, root)}${n.callFrame.url === "" ? "" : `:${lineOf(n)}`}`;
  const selfByFn = new Map<string, number>();
  const selfByFile = new Map<string, number>();
  for (const n of profile.nodes) {
    const us = selfUs.get(n.id) ?? 0;
    if (us === 0 || n.callFrame.functionName === "(idle)") continue;
    selfByFn.set(key(n), (selfByFn.get(key(n)) ?? 0) + us);
    const f = where(n.callFrame.url, root) === "(native)" ? n.callFrame.functionName : where(n.callFrame.url, root);
    selfByFile.set(f, (selfByFile.get(f) ?? 0) + us);
  }
  // Areas: src/<folder>, node_modules/<package>, Node's own JS (node:*), and the native entries (GC, socket writes...).
  const selfByArea = new Map<string, number>();
  for (const [file, us] of selfByFile) {
    const parts = file.split("/");
    const area = file.startsWith("src/") ? parts.slice(0, 2).join("/") : file.startsWith("node_modules/") ? parts.slice(0, parts[1]?.startsWith("@") ? 3 : 2).join("/") : file.startsWith("node:") ? "node: (http, net, streams, events…)" : file;
    selfByArea.set(area, (selfByArea.get(area) ?? 0) + us);
  }
  // Inclusive time of src/ functions: a node's self time plus its subtree's, summed per function but counted once
  // per stack (a recursive function is not counted twice).
  const inclusive = new Map<string, number>();
  const walk = (id: number, open: Set<string>): number => {
    const n = byId.get(id);
    if (n === undefined) return 0;
    const k = where(n.callFrame.url, root).startsWith("src/") ? key(n) : undefined;
    const fresh = k !== undefined && !open.has(k);
    if (fresh) open.add(k);
    let us = selfUs.get(id) ?? 0;
    for (const child of n.children ?? []) us += walk(child, open);
    if (fresh) {
      open.delete(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
    return us;
  };
  walk(profile.nodes[0]?.id ?? 1, new Set());

  const pct = (us: number): string => `${((us / Math.max(1, busyUs)) * 100).toFixed(1).padStart(5)}%`;
  const list = (m: Map<string, number>, n: number): string =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `  ${pct(us)} ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`)
      .join("\n");
  return [
    `busy ${(busyUs / 1e6).toFixed(1)} s of ${(totalUs / 1e6).toFixed(1)} s profiled (percentages are of busy time)`,
    `self time by function:\n${list(selfByFn, top)}`,
    `self time by area:\n${list(selfByArea, Math.min(top, 20))}`,
    `self time by file:\n${list(selfByFile, Math.min(top, 20))}`,
    `inclusive time of src/ functions:\n${list(inclusive, top)}`,
  ].join("\n");
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2];
  if (file === undefined) throw new Error("usage: bench/gateway-profile.ts FILE.cpuprofile [--top 25]");
  const at = process.argv.indexOf("--top");
  process.stdout.write(`${summarizeCpuProfile(resolve(file), resolve(fileURLToPath(import.meta.url), "../.."), at === -1 ? 25 : Number(process.argv[at + 1]))}\n`);
}
