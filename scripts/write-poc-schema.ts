// Writes schemas/poc.schema.json from the zod schema of poc.yaml (src/poc/config.ts). Run after changing the schema:
//   node --import tsx scripts/write-poc-schema.ts
import { writeFileSync } from "node:fs";
import { pocJsonSchemaText } from "../src/poc/schema.ts";

const file = new URL("../schemas/poc.schema.json", import.meta.url);
writeFileSync(file, pocJsonSchemaText());
process.stdout.write(`wrote ${file.pathname}\n`);
