/**
 * A small JSON Schema (2020-12) validator for the keywords docs/stamp.schema.json uses: type (one or
 * a list), const, enum, pattern, minimum, properties, required, additionalProperties (false or a
 * schema), items, oneOf, anyOf, and local $ref ("#/$defs/..."). Any other keyword is an error, so
 * the schema cannot quietly rely on something this validator skips.
 */
export type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(["$schema", "$id", "title", "description", "$defs"]);
const KNOWN = new Set(["type", "const", "enum", "pattern", "minimum", "properties", "required", "additionalProperties", "items", "oneOf", "anyOf", "$ref"]);

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function typeMatches(v: unknown, t: string): boolean {
  const actual = typeOf(v);
  return actual === t || (t === "number" && actual === "integer");
}

function resolve(root: Schema, ref: string): Schema {
  if (!ref.startsWith("#/")) throw new Error(`unsupported $ref ${ref}`);
  let cur: unknown = root;
  for (const part of ref.slice(2).split("/")) cur = (cur as Record<string, unknown>)[part];
  if (!cur || typeof cur !== "object") throw new Error(`unresolved $ref ${ref}`);
  return cur as Schema;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Error messages (`where: problem`); empty when `value` is valid. */
export function validate(schema: Schema, value: unknown, root: Schema = schema, where = "$"): string[] {
  const errors: string[] = [];
  for (const k of Object.keys(schema)) {
    if (!KNOWN.has(k) && !ANNOTATIONS.has(k)) throw new Error(`${where}: schema keyword '${k}' is not supported by this validator`);
  }
  if (typeof schema.$ref === "string") errors.push(...validate(resolve(root, schema.$ref), value, root, where));
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => typeMatches(value, t))) return [...errors, `${where}: expected ${types.join(" or ")}, got ${typeOf(value)}`];
  }
  if ("const" in schema && !same(schema.const, value)) errors.push(`${where}: expected ${JSON.stringify(schema.const)}, got ${JSON.stringify(value)}`);
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => same(e, value))) errors.push(`${where}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (typeof value === "string" && typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(value)) {
    errors.push(`${where}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
  }
  if (typeof value === "number" && typeof schema.minimum === "number" && value < schema.minimum) errors.push(`${where}: ${value} < ${schema.minimum}`);
  if (Array.isArray(value) && schema.items) value.forEach((v, i) => errors.push(...validate(schema.items as Schema, v, root, `${where}[${i}]`)));
  if (typeOf(value) === "object") {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const r of (schema.required ?? []) as string[]) if (!(r in obj)) errors.push(`${where}: missing required '${r}'`);
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) errors.push(...validate(props[k]!, v, root, `${where}.${k}`));
      else if (schema.additionalProperties === false) errors.push(`${where}: unexpected property '${k}'`);
      else if (schema.additionalProperties && typeof schema.additionalProperties === "object") errors.push(...validate(schema.additionalProperties as Schema, v, root, `${where}.${k}`));
    }
  }
  if (Array.isArray(schema.oneOf)) {
    const passing = (schema.oneOf as Schema[]).filter((s) => validate(s, value, root, where).length === 0).length;
    if (passing !== 1) errors.push(`${where}: matches ${passing} of oneOf's ${schema.oneOf.length} schemas, expected exactly 1`);
  }
  if (Array.isArray(schema.anyOf) && !(schema.anyOf as Schema[]).some((s) => validate(s, value, root, where).length === 0)) errors.push(`${where}: matches none of anyOf`);
  return errors;
}
