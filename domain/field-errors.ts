// How a validator of a kind reports: the schema's errors (the ajv validators mirror the CRD and its CEL
// rules) first, then the checks the schema cannot express, one message per field.
import type { FieldError } from '../crds/index.js';

/**
 * Schema errors, then the semantic ones for fields the schema passed: one message per field, so a
 * missing value is not also reported as an invalid one.
 */
export function mergeFieldErrors(
  schema: readonly FieldError[],
  semantic: readonly FieldError[],
): FieldError[] {
  const seen = new Set(schema.map((e) => e.field));
  const out = [...schema];
  for (const e of semantic) {
    if (seen.has(e.field)) continue;
    seen.add(e.field);
    out.push(e);
  }
  return out;
}

/** The object without status: status is the programs' to write, and not what a user is judged on. */
export function withoutStatus(obj: unknown): unknown {
  if (obj === null || typeof obj !== 'object') return obj;
  const { status: _status, ...rest } = obj as Record<string, unknown>;
  return rest;
}

/** `x` when it is a plain object (what the schema asks for), else undefined: semantic checks skip it. */
export function asObject<T extends object>(x: unknown): T | undefined {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as T) : undefined;
}
