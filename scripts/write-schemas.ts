// Writes the JSON Schemas editors use, from the zod schemas that validate the files. Run after changing a schema:
//   node --import tsx scripts/write-schemas.ts
import { writeFileSync } from "node:fs";
import { gatewayJsonSchemaText } from "../src/gateway/schema.ts";
import { pocJsonSchemaText } from "../src/poc/schema.ts";

for (const [name, text] of [
  ["poc.schema.json", pocJsonSchemaText()],
  ["frugal.schema.json", gatewayJsonSchemaText()],
] as const) {
  const file = new URL(`../schemas/${name}`, import.meta.url);
  writeFileSync(file, text);
  process.stdout.write(`wrote ${file.pathname}\n`);
}
