/**
 * Checks an LLM's answer against the JSON schema it was asked to follow. Every provider runs it on every schema-constrained
 * answer, because no backend's constraint can be taken on trust: a llama.cpp grammar counts a code point where an invalid
 * UTF-8 byte sequence later decodes to up to four U+FFFD, and "OpenAI-compatible" servers without strict json_schema
 * support return whatever the model wrote.
 *
 * Checked: type (and lists of types), enum, const, properties, required, additionalProperties, minProperties,
 * maxProperties, items, prefixItems, minItems, maxItems, minLength/maxLength (in code points, as JSON Schema counts),
 * pattern, minimum/maximum (and exclusive), oneOf (exactly one), anyOf (at least one), allOf, $ref to `#/$defs/...` or
 * `#/definitions/...`. `format` is an annotation, as JSON Schema 2020-12 says by default; other unknown keywords are not
 * checked (the llama-cpp provider refuses them before generating, see llama-cpp/schema-subset.ts).
 *
 * Beyond the schema, every string (keys included) must be well-formed text: a U+FFFD replacement character is what a
 * decoder writes for bytes that were not valid UTF-8, and a lone surrogate is not text at all. Neither is ever a correct
 * extracted value, so both make an answer invalid.
 */

type Node = Record<string, unknown>;

export type AnswerCheck =
  /** `json`: the answer's JSON text alone (see `candidates`). */
  | { ok: true; value: unknown; json: string }
  | { ok: false; problems: string[] };

/** Stop collecting after this many problems: an error message needs the first few, not a thousand. */
const MAX_PROBLEMS = 5;
const BAD_TEXT = /\uFFFD|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/u;
const FENCE = /^```[a-zA-Z]*\s*\n?([\s\S]*?)\n?\s*```$/;

interface Scope {
  root: Node;
  /** Innermost first: `$defs` of the schemas around the current node. */
  defs: Node[];
  problems: string[];
}

function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

function describeText(text: string): string | undefined {
  const bad = BAD_TEXT.exec(text);
  if (bad === null) return undefined;
  return bad[0] === "\uFFFD" ? "contains U+FFFD (bytes that were not valid UTF-8)" : "contains a lone UTF-16 surrogate";
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function hasType(value: unknown, type: unknown): boolean {
  switch (type) {
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "object":
      return isNode(value);
    default:
      return jsonType(value) === type;
  }
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (isNode(a) && isNode(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && jsonEqual(a[k], b[k]));
  }
  return false;
}

function resolveRef(ref: unknown, scope: Scope): Node | undefined {
  if (typeof ref !== "string") return undefined;
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  if (match === null) return undefined;
  const name = match[2] ?? "";
  const buckets = match[1] === "definitions" ? [scope.root.definitions] : scope.defs;
  for (const defs of buckets) {
    const target = isNode(defs) ? defs[name] : undefined;
    if (isNode(target)) return target;
  }
  return undefined;
}

/** Whether `value` matches `schema`, without reporting: for oneOf/anyOf branches. */
function matches(value: unknown, schema: unknown, scope: Scope): boolean {
  const probe: Scope = { ...scope, problems: [] };
  check(value, schema, "$", probe);
  return probe.problems.length === 0;
}

function checkNumber(value: number, node: Node, report: (message: string) => void): void {
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = node;
  if (typeof minimum === "number" && value < minimum) report(`${value} is below the minimum ${minimum}`);
  if (typeof maximum === "number" && value > maximum) report(`${value} is above the maximum ${maximum}`);
  if (typeof exclusiveMinimum === "number" && value <= exclusiveMinimum) report(`${value} is not above ${exclusiveMinimum}`);
  if (typeof exclusiveMaximum === "number" && value >= exclusiveMaximum) report(`${value} is not below ${exclusiveMaximum}`);
}

function checkString(value: string, node: Node, report: (message: string) => void): void {
  const length = codePoints(value);
  if (typeof node.minLength === "number" && length < node.minLength) report(`${length} characters, fewer than minLength ${node.minLength}`);
  if (typeof node.maxLength === "number" && length > node.maxLength) report(`${length} characters, more than maxLength ${node.maxLength}`);
  if (typeof node.pattern === "string" && !new RegExp(node.pattern, "u").test(value)) report(`does not match the pattern ${node.pattern}`);
}

function checkArray(value: unknown[], node: Node, path: string, scope: Scope, report: (message: string) => void): void {
  if (typeof node.minItems === "number" && value.length < node.minItems) report(`${value.length} items, fewer than minItems ${node.minItems}`);
  if (typeof node.maxItems === "number" && value.length > node.maxItems) report(`${value.length} items, more than maxItems ${node.maxItems}`);
  const prefix = Array.isArray(node.prefixItems) ? node.prefixItems : [];
  value.forEach((item, i) => {
    const schema = i < prefix.length ? prefix[i] : node.items;
    if (schema !== undefined) check(item, schema, `${path}[${i}]`, scope);
  });
}

function checkObject(value: Node, node: Node, path: string, scope: Scope, report: (message: string) => void): void {
  const properties = isNode(node.properties) ? node.properties : {};
  const keys = Object.keys(value);
  if (typeof node.minProperties === "number" && keys.length < node.minProperties) report(`${keys.length} properties, fewer than ${node.minProperties}`);
  if (typeof node.maxProperties === "number" && keys.length > node.maxProperties) report(`${keys.length} properties, more than ${node.maxProperties}`);
  if (Array.isArray(node.required)) {
    for (const name of node.required) if (typeof name === "string" && !(name in value)) report(`the required property "${name}" is missing`);
  }
  for (const key of keys) {
    const at = `${path}.${key}`;
    const bad = describeText(key);
    if (bad !== undefined) scope.problems.push(`${at}: the property name ${bad}`);
    if (key in properties) check(value[key], properties[key], at, scope);
    else if (node.additionalProperties === false) scope.problems.push(`${at}: this property is not allowed (additionalProperties: false)`);
    else if (isNode(node.additionalProperties)) check(value[key], node.additionalProperties, at, scope);
  }
}

function check(value: unknown, schema: unknown, path: string, scope: Scope): void {
  if (scope.problems.length >= MAX_PROBLEMS || schema === true || !isNode(schema)) return;
  const report = (message: string): void => {
    scope.problems.push(`${path}: ${message}`);
  };
  const inner: Scope = isNode(schema.$defs) ? { ...scope, defs: [schema.$defs, ...scope.defs] } : scope;
  if ("$ref" in schema) {
    const target = resolveRef(schema.$ref, inner);
    if (target === undefined) report(`cannot resolve $ref ${JSON.stringify(schema.$ref)}`);
    else check(value, target, path, inner);
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => hasType(value, t))) return report(`expected ${types.join(" or ")}, got ${jsonType(value)}`);
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((option) => jsonEqual(option, value))) report(`${JSON.stringify(value)} is not one of the enum values`);
  if ("const" in schema && !jsonEqual(schema.const, value)) report(`expected the constant ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.oneOf)) {
    const n = schema.oneOf.filter((branch) => matches(value, branch, inner)).length;
    if (n !== 1) report(n === 0 ? "matches none of the oneOf schemas" : `matches ${n} of the oneOf schemas, not exactly one`);
  }
  if (Array.isArray(schema.anyOf) && !schema.anyOf.some((branch) => matches(value, branch, inner))) report("matches none of the anyOf schemas");
  if (Array.isArray(schema.allOf)) for (const branch of schema.allOf) check(value, branch, path, inner);
  if (typeof value === "string") {
    const bad = describeText(value);
    if (bad !== undefined) report(bad);
    checkString(value, schema, report);
  } else if (typeof value === "number") checkNumber(value, schema, report);
  else if (Array.isArray(value)) checkArray(value, schema, path, inner, report);
  else if (isNode(value)) checkObject(value, schema, path, inner, report);
}

/** The problems of `value` against `schema`, as `$.path: what is wrong` lines; empty when it is valid. */
export function schemaProblems(value: unknown, schema: Record<string, unknown>): string[] {
  const scope: Scope = { root: schema, defs: [], problems: [] };
  check(value, schema, "$", scope);
  return scope.problems.slice(0, MAX_PROBLEMS);
}

/** The JSON text of an answer: trimmed, out of one Markdown code fence, or the outermost {...} of a prose answer. */
function candidates(text: string): string[] {
  const trimmed = text.trim();
  const unfenced = (FENCE.exec(trimmed)?.[1] ?? trimmed).trim();
  // Servers that only got the schema as an instruction (openai-compatible "prompt" mode) sometimes wrap it in prose.
  const open = unfenced.indexOf("{");
  const close = unfenced.lastIndexOf("}");
  return open > 0 && close > open ? [unfenced, unfenced.slice(open, close + 1)] : [unfenced];
}

/** Parses an answer's text (whitespace, a code fence or prose around one object tolerated) and checks it against `schema`. */
export function checkJsonAnswer(text: string, schema: Record<string, unknown>): AnswerCheck {
  let reason = "the answer is empty";
  for (const json of candidates(text)) {
    if (json === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (error) {
      reason = `the answer is not JSON (${error instanceof Error ? error.message : String(error)})`;
      continue;
    }
    const problems = schemaProblems(value, schema);
    return problems.length === 0 ? { ok: true, value, json } : { ok: false, problems };
  }
  return { ok: false, problems: [reason] };
}
