/**
 * The JSON Schema of frugal.yaml, generated from the zod schema that validates it, for editors (yaml-language-server) and
 * other tools. schemas/frugal.schema.json is this, written by `node --import tsx scripts/write-schemas.ts`; a test keeps
 * the file in sync.
 */
import { exportJsonSchema } from "../core/config-file.ts";
import { GATEWAY_SCHEMA_ID, gatewayConfigSchema } from "./config.ts";

export function gatewayJsonSchemaText(): string {
  return `${JSON.stringify(exportJsonSchema(gatewayConfigSchema, GATEWAY_SCHEMA_ID), null, 2)}\n`;
}
