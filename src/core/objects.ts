/**
 * Object helpers for request paths.
 *
 * A literal that starts with a spread and then adds a key the source lacks — `{ ...base, extra: 1 }` — makes V8 (Node
 * 20) build a new hidden class on every call once the site is warm: the clone's map is not shared, so each added key
 * creates another. Hidden classes live in old space, so on a path taken per request that is old-space garbage per
 * request, and the heap grows in a sawtooth between full collections (bench/notes/gateway.md, "Third pass"). Literals
 * that start with a key (`{ seq, ...fields, hash }`), spreads that only override keys the source has, and
 * Object.assign onto a fresh object all reuse one hidden class; src/core/objects.test.ts checks both sides.
 */

/** `{ ...base, ...extra }` (extra's keys win), built so that one call site keeps one hidden class. */
export function extend<T extends object, U extends object>(base: T, extra: U): Omit<T, keyof U> & U {
  return Object.assign({}, base, extra);
}
