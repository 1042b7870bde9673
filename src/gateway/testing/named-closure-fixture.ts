/** For request-path-closures.test.ts: a function that names a closure on every call, as the request path must not. */
export function makeNamedClosure(seed: number): number {
  const inner = (x: number): number => x + seed;
  return inner(1);
}
