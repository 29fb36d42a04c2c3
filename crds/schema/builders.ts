// The vocabulary the schema sources are written in: OpenAPI v3 structural-schema nodes plus
// generator-only keys (tsName, tsDoc, tsType, tsRequired for the TypeScript types) and CEL rules that carry their own JS
// predicate. Keeping the predicate next to the CEL text is what lets the apiserver and the ajv
// validators agree: generation emits `rule`, the validators run `check`, and both live on one object.

// FieldValueDuplicate is left out on purpose: with it the apiserver prints `Duplicate value: "array"`
// and drops the rule's message.
export type CelReason = 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueForbidden';

export interface CelRule<T = never> {
  /** CEL expression, evaluated by the apiserver with `self` bound to the node's value. */
  rule: string;
  /** Shown to the user after the field path; say what is wrong and what to do. */
  message: string;
  /** Field the error is reported on, relative to the node (`.value`); omitted = the node itself. */
  fieldPath?: string;
  reason?: CelReason;
  /** The same rule in JavaScript for the ajv validators: true when `self` is valid. */
  check: (self: T) => boolean;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'boolean';
  description?: string;
  format?: 'date-time' | 'int32' | 'int64';
  enum?: readonly string[];
  default?: JsonValue;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  required?: readonly string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: readonly string[];
  // Functions are contravariant in their argument, so a rule typed for its node fits here.
  'x-kubernetes-validations'?: readonly CelRule[];
  /** Generator only: name of the TypeScript interface for this object; never reaches the CRD. */
  tsName?: string;
  /** Generator only: JSDoc of that interface (the node's `description` is the use-site text). */
  tsDoc?: string;
  /** Generator only: TypeScript type written verbatim instead of one derived from the schema. */
  tsType?: string;
  /** Generator only: properties required in the TypeScript type but not by the apiserver. */
  tsRequired?: readonly string[];
}

type Constraints = Omit<Schema, 'type' | 'description' | 'properties' | 'items' | 'required'>;

/** Collapse the indentation of template literals so descriptions read well in `kubectl explain`. */
export function doc(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

export function str(description: string, c: Constraints = {}): Schema {
  return { type: 'string', description: doc(description), ...c };
}

export function int(description: string, c: Constraints = {}): Schema {
  return { type: 'integer', description: doc(description), ...c };
}

export function bool(description: string, c: Constraints = {}): Schema {
  return { type: 'boolean', description: doc(description), ...c };
}

export function enumOf(description: string, values: readonly string[], c: Constraints = {}): Schema {
  return { type: 'string', description: doc(description), enum: values, ...c };
}

export function arr(description: string, items: Schema, c: Constraints = {}): Schema {
  return { type: 'array', description: doc(description), items, ...c };
}

/**
 * An object node. `required` lists the property names that must be present; CEL rules go in `c`.
 */
export function obj(
  description: string,
  properties: Record<string, Schema>,
  required: readonly string[] = [],
  c: Constraints = {},
): Schema {
  const node: Schema = { type: 'object', description: doc(description), properties, ...c };
  if (required.length > 0) node.required = required;
  return node;
}

/** Give an object node a TypeScript interface name (and doc) in the generated types. */
export function named(tsName: string, tsDoc: string, schema: Schema): Schema {
  return { ...schema, tsName, tsDoc: doc(tsDoc) };
}

/** Reuse a named node at a new place with that place's description. */
export function use(schema: Schema, description: string): Schema {
  return { ...schema, description: doc(description) };
}

/** Attach CEL rules (typed for the node's value) to a node. */
export function withRules<T>(schema: Schema, ...rules: CelRule<T>[]): Schema {
  return { ...schema, 'x-kubernetes-validations': [...(schema['x-kubernetes-validations'] ?? []), ...rules] };
}

/** A CEL rule; the type parameter types the JS predicate's `self`. */
export function cel<T>(rule: CelRule<T>): CelRule<T> {
  return { ...rule, message: doc(rule.message) };
}

/** True when a string field is set and non-empty, like CEL `has(self.f) && self.f != ''`. */
export function present(value: unknown): boolean {
  return typeof value === 'string' ? value !== '' : value !== undefined && value !== null;
}
