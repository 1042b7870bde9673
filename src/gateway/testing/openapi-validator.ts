/**
 * Test support: validates response bodies against OpenAI's published OpenAPI document (test/fixtures/openai-openapi, a
 * copy of openai/openai-openapi with its MIT license), so conformance tests check the gateway against the contract the
 * SDKs are generated from, not against our reading of it.
 *
 * The document is OpenAPI 3.1 (JSON Schema 2020-12) with 3.0 leftovers, so `components/schemas` is rewritten once into a
 * `$defs` bundle Ajv2020 compiles: `#/components/schemas/X` refs become `#/$defs/X`, the 3.0 `nullable: true` becomes
 * `anyOf: [schema, {type: "null"}]`, vendor keywords (`x-oaiMeta`, `x-stainless-*`…) and `discriminator` (an OpenAPI
 * annotation, not a JSON Schema assertion) are dropped, and formats Ajv does not know (`unixtime`…) are accepted as-is.
 * Schemas compile lazily, on first use, so only the reachable part of a 3 MB document is ever compiled.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import ajvFormats from "ajv-formats";
import { parse } from "yaml";

/** The response components the gateway must honour (names as the document spells them). */
export type OpenAiSchemaName = "CreateChatCompletionResponse" | "CreateChatCompletionStreamResponse" | "CreateEmbeddingResponse" | "ListModelsResponse" | "ErrorResponse";

const ROOTS: readonly OpenAiSchemaName[] = ["CreateChatCompletionResponse", "CreateChatCompletionStreamResponse", "CreateEmbeddingResponse", "ListModelsResponse", "ErrorResponse"];

export const OPENAPI_FILE = fileURLToPath(new URL("../../../test/fixtures/openai-openapi/openapi.yaml", import.meta.url));

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

// Keywords whose value is a map of name → schema, a list of schemas, or one schema: the only places a walker may recurse
// into as schemas. Everything else (enum, const, default, example, required…) is data and is copied untouched, so a
// property that happens to be named `nullable` or `x-foo` is never mistaken for a keyword.
const SCHEMA_MAPS = new Set(["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"]);
const SCHEMA_LISTS = new Set(["allOf", "anyOf", "oneOf", "prefixItems"]);
const SCHEMA_ONE = new Set(["items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames", "unevaluatedProperties", "unevaluatedItems", "additionalItems"]);
const COMPONENT_REF = "#/components/schemas/";

const isObject = (value: Json | undefined): value is JsonObject => value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * One OpenAPI schema object as a JSON Schema 2020-12 schema (see the file comment for the rewrites). `self` is the
 * component's name: its 2019-09 recursion (`$recursiveAnchor` + `$recursiveRef: "#"`) becomes a plain `$ref` to itself,
 * since "#" would otherwise point at the bundle's root.
 */
export function convertSchema(schema: Json, self?: string): Json {
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  const child = (s: Json): Json => convertSchema(s, self);
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith("x-") || key === "discriminator" || key === "nullable" || key === "$recursiveAnchor") continue;
    if (key === "$ref" && typeof value === "string") out.$ref = value.startsWith(COMPONENT_REF) ? `#/$defs/${value.slice(COMPONENT_REF.length)}` : value;
    else if (key === "$recursiveRef" && self !== undefined) out.$ref = `#/$defs/${self}`;
    else if (SCHEMA_MAPS.has(key) && isObject(value)) out[key] = Object.fromEntries(Object.entries(value).map(([name, s]) => [name, child(s)]));
    else if (SCHEMA_LISTS.has(key) && Array.isArray(value)) out[key] = value.map(child);
    else if (SCHEMA_ONE.has(key)) out[key] = Array.isArray(value) ? value.map(child) : child(value);
    else if (key === "required" && Array.isArray(value)) out.required = [...new Set(value)];
    else out[key] = value;
  }
  // OpenAPI 3.0's boolean exclusive bounds are numbers in JSON Schema 2020-12.
  for (const [bound, exclusive] of [["minimum", "exclusiveMinimum"], ["maximum", "exclusiveMaximum"]] as const) {
    if (typeof out[exclusive] !== "boolean") continue;
    if (out[exclusive] === true && typeof out[bound] === "number") {
      out[exclusive] = out[bound];
      delete out[bound];
    } else delete out[exclusive];
  }
  return schema.nullable === true ? { anyOf: [out, { type: "null" }] } : out;
}

/** Every `format` value used anywhere in the document (to register the ones Ajv does not know as annotations). */
function formatsIn(node: Json, found: Set<string>): Set<string> {
  if (Array.isArray(node)) for (const item of node) formatsIn(item, found);
  else if (isObject(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key === "format" && typeof value === "string") found.add(value);
      else formatsIn(value, found);
    }
  }
  return found;
}

export interface OpenApiValidator {
  /** The validation errors of `value` against the named component, as `path: message` lines; [] when valid. */
  errors(name: OpenAiSchemaName, value: unknown): string[];
  /** Throws an Error listing every mismatch (with `what` saying which response it was). */
  assertValid(name: OpenAiSchemaName, value: unknown, what?: string): void;
}

function describe(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || "/"}: ${e.message ?? e.keyword}${e.params === undefined ? "" : ` ${JSON.stringify(e.params)}`}`);
}

const BUNDLE_ID = "https://frugal.test/openai-openapi.json";

/**
 * The components the response roots reach, from the document's `components/schemas`. Parsing 3 MB of YAML takes seconds
 * on a busy machine, so that subset is cached as JSON in the OS temp dir under the YAML's SHA-256 (and the roots): an
 * edited document is re-parsed, never served stale.
 */
function loadSchemas(file: string): JsonObject {
  const text = readFileSync(file, "utf8");
  const digest = createHash("sha256").update(text).update(ROOTS.join(",")).digest("hex").slice(0, 24);
  const cacheDir = join(tmpdir(), "frugal-openapi-cache");
  const cached = join(cacheDir, `${digest}.json`);
  try {
    return JSON.parse(readFileSync(cached, "utf8")) as JsonObject;
  } catch {
    // No cache yet (or a damaged one): parse and write it, atomically so parallel test files never read half a file.
  }
  const document = parse(text, { maxAliasCount: -1 }) as JsonObject;
  const components = document.components;
  const schemas = isObject(components) ? components.schemas : undefined;
  if (!isObject(schemas)) throw new Error(`${file}: no components.schemas`);
  const subset = Object.fromEntries([...reachable(schemas, ROOTS)].map((name) => [name, schemas[name] ?? {}]));
  mkdirSync(cacheDir, { recursive: true });
  const partial = `${cached}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify(subset));
  renameSync(partial, cached);
  return subset;
}

/** The names of the components `roots` reach through `$ref`s, themselves included. */
function reachable(schemas: JsonObject, roots: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (node: Json): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (isObject(node)) {
      for (const [key, value] of Object.entries(node)) {
        if (key === "$ref" && typeof value === "string" && value.startsWith(COMPONENT_REF)) enter(value.slice(COMPONENT_REF.length));
        else visit(value);
      }
    }
  };
  const enter = (name: string): void => {
    if (seen.has(name) || schemas[name] === undefined) return;
    seen.add(name);
    visit(schemas[name]);
  };
  roots.forEach(enter);
  return seen;
}

export function createOpenApiValidator(file: string = OPENAPI_FILE): OpenApiValidator {
  // Only what the five response components reach is converted and compiled: a few dozen of the document's ~1,000.
  const schemas = loadSchemas(file);
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  // ajv-formats is CommonJS: under NodeNext the default import is its module.exports, which carries the plugin as `default`.
  ajvFormats.default(ajv);
  const defs = Object.fromEntries(Object.entries(schemas).map(([name, s]) => [name, convertSchema(s, name)]));
  for (const format of formatsIn(defs, new Set())) if (ajv.formats[format] === undefined) ajv.addFormat(format, true);
  ajv.addSchema({ $id: BUNDLE_ID, $defs: defs });
  const compiled = new Map<OpenAiSchemaName, ValidateFunction>();
  const validatorOf = (name: OpenAiSchemaName): ValidateFunction => {
    let validate = compiled.get(name);
    if (validate === undefined) {
      if (defs[name] === undefined) throw new Error(`the OpenAPI document has no component ${name}`);
      validate = ajv.getSchema(`${BUNDLE_ID}#/$defs/${name}`);
      if (validate === undefined) throw new Error(`ajv could not compile ${name}`);
      compiled.set(name, validate);
    }
    return validate;
  };
  const errors = (name: OpenAiSchemaName, value: unknown): string[] => {
    const validate = validatorOf(name);
    return validate(value) ? [] : describe(validate.errors);
  };
  return {
    errors,
    assertValid(name, value, what = "response") {
      const found = errors(name, value);
      if (found.length > 0) throw new Error(`${what} does not match OpenAI's ${name}:\n  ${found.join("\n  ")}\nbody: ${JSON.stringify(value).slice(0, 2000)}`);
    },
  };
}
