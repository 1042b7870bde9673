/**
 * The JSON Schema of poc.yaml, generated from the zod schema that validates it, for editors (yaml-language-server) and
 * other tools. schemas/poc.schema.json is this, written by `node --import tsx scripts/write-schemas.ts`; a test keeps
 * the file in sync.
 */
import { exportJsonSchema } from "../core/config-file.ts";
import { POC_SCHEMA_ID, pocConfigSchema } from "./config.ts";

export function pocJsonSchema(): Record<string, unknown> {
  return exportJsonSchema(pocConfigSchema, POC_SCHEMA_ID);
}

export function pocJsonSchemaText(): string {
  return `${JSON.stringify(pocJsonSchema(), null, 2)}\n`;
}
