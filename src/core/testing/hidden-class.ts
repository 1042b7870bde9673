/**
 * For tests: whether two objects share V8's hidden class (their "map"). V8 offers no public API for it; its natives
 * syntax does, enabled here for functions compiled after this module loads (a test-only switch: the gateway never loads
 * this file).
 */
import { setFlagsFromString } from "node:v8";

setFlagsFromString("--allow-natives-syntax");
const haveSameMap = new Function("a", "b", "return %HaveSameMap(a, b)") as (a: object, b: object) => boolean;

/** Runs `make` enough times for its call sites to warm up (V8 changes strategy after a few calls), then compares two results. */
export async function keepsOneHiddenClass(make: () => object | Promise<object>): Promise<boolean> {
  for (let i = 0; i < 20; i++) await make();
  return haveSameMap(await make(), await make());
}
