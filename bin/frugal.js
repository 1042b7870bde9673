#!/usr/bin/env node
// The CLI runs straight from the TypeScript sources (no build step to remember): tsx's loader is registered here, then the
// real entry point is imported. Works from a clone (`npx frugal`) and after `npm i -g .`.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
await main(process.argv);
