/**
 * node-llama-cpp turns a JSON schema into a grammar, but only a subset of JSON Schema, and what it does not understand it
 * does not reject: `{ "type": "strin" }` or an `anyOf` silently become a grammar that only allows `null` (seen with 3.21.1).
 * A grammar that quietly forces a wrong answer is worse than an error, so every schema is checked here first: supported
 * keywords pass, `anyOf` becomes `oneOf` (a grammar enforces neither's exclusivity), annotations are dropped, and any
 * constraint a grammar cannot enforce (pattern, minimum, allOf...) is an `input_invalid` naming its key path.
 */
import { FrugalError } from "../../core/errors.ts";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Node = Record<string, unknown>;

const ANNOTATIONS = new Set(["title", "default", "examples", "$schema", "$id", "$comment", "deprecated", "readOnly", "writeOnly"]);
const SCALAR_TYPES = new Set(["string", "number", "integer", "boolean", "null"]);
const FORMATS = new Set(["date-time", "time", "date"]);
const KEYWORDS: Record<string, Set<string>> = {
  common: new Set(["description", "$defs"]),
  string: new Set(["type", "minLength", "maxLength", "format"]),
  object: new Set(["type", "properties", "required", "additionalProperties", "minProperties", "maxProperties"]),
  array: new Set(["type", "items", "prefixItems", "minItems", "maxItems"]),
  scalar: new Set(["type"]),
  const: new Set(["const"]),
  enum: new Set(["enum"]),
  oneOf: new Set(["oneOf", "anyOf"]),
  ref: new Set(["$ref"]),
};

function fail(path: string, message: string): never {
  throw new FrugalError("input_invalid", `jsonSchema ${path}: ${message} (llama.cpp grammars support type, enum, const, oneOf/anyOf, $ref to $defs, properties, required, additionalProperties, items, prefixItems, min/maxLength, min/maxItems, string formats date, time, date-time)`, {
    details: { keyPath: path },
  });
}

function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kindOf(node: Node, path: string): keyof typeof KEYWORDS {
  if ("$ref" in node) return "ref";
  if ("const" in node) return "const";
  if ("enum" in node) return "enum";
  if ("oneOf" in node || "anyOf" in node) return "oneOf";
  const type = node.type;
  if (Array.isArray(type)) {
    if (type.length === 0 || !type.every((t) => typeof t === "string" && SCALAR_TYPES.has(t))) {
      fail(`${path}.type`, "a list of types may only hold string, number, integer, boolean, null (use oneOf for objects or arrays)");
    }
    return "scalar";
  }
  if (type === "string" || type === "object" || type === "array") return type;
  if (typeof type === "string" && SCALAR_TYPES.has(type)) return "scalar";
  if (type === undefined) fail(path, "a schema needs a type, enum, const, oneOf/anyOf or $ref");
  return fail(`${path}.type`, `unknown type ${JSON.stringify(type)}`);
}

function normalize(node: unknown, path: string, defs: ReadonlySet<string>): Json {
  if (!isNode(node)) return fail(path, "expected a schema object");
  const localDefs = new Set(defs);
  if (isNode(node.$defs)) for (const name of Object.keys(node.$defs)) localDefs.add(name);
  const kind = kindOf(node, path);
  const allowed = KEYWORDS[kind] ?? new Set<string>();
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(node)) {
    const at = `${path}.${key}`;
    if (ANNOTATIONS.has(key)) continue;
    // `{ type: "string", enum: [...] }` is the usual spelling: the enum alone is the stricter constraint.
    if (key === "type" && (kind === "enum" || kind === "const")) continue;
    if (!allowed.has(key) && !KEYWORDS.common?.has(key)) fail(at, `"${key}" cannot be enforced by a grammar here`);
    switch (key) {
      case "$defs":
        if (!isNode(value)) fail(at, "expected an object of schemas");
        out.$defs = Object.fromEntries(Object.entries(value).map(([name, def]) => [name, normalize(def, `${at}.${name}`, localDefs)]));
        break;
      case "$ref": {
        const name = typeof value === "string" && value.startsWith("#/$defs/") ? value.slice("#/$defs/".length) : undefined;
        if (name === undefined || !localDefs.has(name)) fail(at, `${JSON.stringify(value)} does not point to an entry of a $defs around it`);
        out.$ref = value as string;
        break;
      }
      case "enum":
        if (!Array.isArray(value) || value.length === 0 || !value.every((v) => v === null || ["string", "number", "boolean"].includes(typeof v))) {
          fail(at, "expected a non-empty list of strings, numbers, booleans or null");
        }
        out.enum = value as Json[];
        break;
      case "const":
        if (!(value === null || ["string", "number", "boolean"].includes(typeof value))) fail(at, "expected a string, number, boolean or null");
        out.const = value as Json;
        break;
      case "oneOf":
      case "anyOf":
        if (!Array.isArray(value) || value.length === 0) fail(at, "expected a non-empty list of schemas");
        if (out.oneOf !== undefined) fail(at, "use either oneOf or anyOf, not both");
        out.oneOf = value.map((s, i) => normalize(s, `${at}[${i}]`, localDefs));
        break;
      case "properties":
        if (!isNode(value)) fail(at, "expected an object of schemas");
        out.properties = Object.fromEntries(Object.entries(value).map(([name, s]) => [name, normalize(s, `${at}.${name}`, localDefs)]));
        break;
      case "items":
      case "additionalProperties":
        out[key] = typeof value === "boolean" && key === "additionalProperties" ? value : normalize(value, at, localDefs);
        break;
      case "prefixItems":
        if (!Array.isArray(value)) fail(at, "expected a list of schemas");
        out.prefixItems = value.map((s, i) => normalize(s, `${at}[${i}]`, localDefs));
        break;
      case "required":
        if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) fail(at, "expected a list of property names");
        out.required = value as string[];
        break;
      case "format":
        // An unknown format (email, uri...) is an annotation to most validators too: dropped, not enforced.
        if (typeof value === "string" && FORMATS.has(value)) out.format = value;
        break;
      case "minLength":
      case "maxLength":
      case "minItems":
      case "maxItems":
      case "minProperties":
      case "maxProperties":
        if (typeof value !== "number" || !Number.isInteger(value) || value < 0) fail(at, "expected an integer ≥ 0");
        out[key] = value;
        break;
      default:
        out[key] = value as Json;
    }
  }
  return out;
}

/** The schema as node-llama-cpp should see it, or an input_invalid naming the first keyword it cannot enforce. */
export function grammarSchema(schema: Record<string, unknown>): Record<string, Json> {
  return normalize(schema, "$", new Set()) as Record<string, Json>;
}
