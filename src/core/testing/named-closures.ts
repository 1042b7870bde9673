/**
 * For tests: which project modules name a function while some code runs. tsx compiles TypeScript with esbuild's
 * `keepNames`, which wraps every `const f = () => …`, named function expression and class-field arrow in
 * `__name(fn, "f")`, an `Object.defineProperty(fn, "name", …)` that costs ~0.8 µs on Node 20 each time the closure is
 * created, so a closure in a per-request function costs that per request. Hot paths keep their closures at module level,
 * assign them in constructors (`this.f = () => …` is not wrapped) or pass them inline as arguments (not wrapped either).
 *
 * esbuild's helper reads `Object.defineProperty` once, when each module is evaluated: install the counter before the
 * modules under test are imported (a test file imports this module statically and them dynamically).
 */

let counting: Map<string, number> | undefined;
let installed = false;

/** Wraps `Object.defineProperty` for the rest of this process; modules evaluated afterwards are observed. */
export function installNamedClosureCounter(): void {
  if (installed) return;
  installed = true;
  const define = Object.defineProperty;
  Object.defineProperty = function (target: object, key: PropertyKey, descriptor: PropertyDescriptor) {
    if (counting !== undefined && key === "name" && typeof target === "function") {
      // The frame of esbuild's `__name` helper names the module it was compiled into: the one that made the closure.
      const from = /at __name \((?:file:\/\/)?[^)]*?\/(src\/[^):]+)/.exec(new Error().stack ?? "")?.[1];
      if (from !== undefined) {
        const where = `${from} ${String(descriptor.value)}`;
        counting.set(where, (counting.get(where) ?? 0) + 1);
      }
    }
    return define(target, key, descriptor);
  } as typeof Object.defineProperty;
}

/** `module name` → how many times that module named a closure of that name while `run` ran. */
export async function namedClosuresDuring(run: () => Promise<void>): Promise<Map<string, number>> {
  if (!installed) throw new Error("installNamedClosureCounter() must run before the modules under test are imported");
  const seen = new Map<string, number>();
  counting = seen;
  try {
    await run();
  } finally {
    counting = undefined;
  }
  return seen;
}
