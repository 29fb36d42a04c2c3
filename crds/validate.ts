// Runtime validators compiled with ajv from the same schema source as the CRDs. They behave like the
// apiserver creating the object with fieldValidation=Strict: defaults first, then the OpenAPI schema
// (unknown fields are errors), list uniqueness (x-kubernetes-list-type) and the CEL rules, whose JS
// predicates sit next to the CEL text in the schema source.
import {
  Ajv,
  type ErrorObject,
  type SchemaObject,
  type SchemaValidateFunction,
  type ValidateFunction,
} from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { CelReason, CelRule, Schema } from './schema/builders.js';
import { API_GROUP_VERSION, rootSchema, type KindSource } from './schema/kind.js';
import { GENERATOR_ONLY_KEYS } from './schema/walk.js';

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

export interface FieldError {
  /** Path of the offending field as the apiserver prints it: `spec.rules[0].value`. */
  field: string;
  message: string;
}

export type ValidationResult = { ok: true } | { ok: false; errors: FieldError[] };

// ---- schema → ajv schema ------------------------------------------------------------------------

function toAjv(node: Schema): SchemaObject {
  const out: SchemaObject = {};
  for (const [key, value] of Object.entries(node)) {
    if ((GENERATOR_ONLY_KEYS as readonly string[]).includes(key) || value === undefined) continue;
    if (key === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, Schema>).map(([k, v]) => [k, toAjv(v)]),
      );
    } else if (key === 'items') {
      out.items = toAjv(value as Schema);
    } else if (key === 'default') {
      continue; // applied before validation, as the apiserver does
    } else {
      out[key] = value;
    }
  }
  // Structural schemas cannot say additionalProperties: false; the apiserver's strict field
  // validation rejects unknown fields anyway, so the validator does the same.
  if (node.properties !== undefined) out.additionalProperties = false;
  return out;
}

function kindSchema(k: KindSource): SchemaObject {
  const schema = toAjv(rootSchema(k));
  // The apiserver routes by apiVersion/kind; a validator called directly must check them itself.
  schema.required = ['apiVersion', 'kind', ...(schema.required as string[])];
  schema.properties.apiVersion = { ...schema.properties.apiVersion, enum: [API_GROUP_VERSION] };
  schema.properties.kind = { ...schema.properties.kind, enum: [k.kind] };
  return schema;
}

// ---- defaults -----------------------------------------------------------------------------------

/** A deep copy of `value` with schema defaults filled in where fields are absent (like the apiserver). */
export function applyDefaults(node: Schema, value: unknown): unknown {
  if (Array.isArray(value)) {
    return node.items ? value.map((v) => applyDefaults(node.items as Schema, v)) : structuredClone(value);
  }
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const child = node.properties?.[k];
    out[k] = child ? applyDefaults(child, v) : structuredClone(v);
  }
  for (const [k, child] of Object.entries(node.properties ?? {})) {
    if (out[k] === undefined && child.default !== undefined) out[k] = structuredClone(child.default);
  }
  return out;
}

// ---- Kubernetes extensions as ajv keywords --------------------------------------------------------

/** `/spec/rules/0/value` → `spec.rules[0].value` */
export function pointerToField(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(part) ? `[${part}]` : out === '' ? part : `.${part}`;
  }
  return out;
}

const REASON_TEXT: Record<CelReason, string> = {
  FieldValueInvalid: 'Invalid value',
  FieldValueRequired: 'Required value',
  FieldValueForbidden: 'Forbidden',
};

/** An ajv keyword from a function that returns the errors found at one place. */
function keyword<S>(
  check: (schema: S, data: unknown, at: string) => Partial<ErrorObject>[],
): SchemaValidateFunction {
  const validate: SchemaValidateFunction = (schema: S, data: unknown, _parent, cxt) => {
    validate.errors = check(schema, data, pointerToField(cxt?.instancePath ?? ''));
    return validate.errors.length === 0;
  };
  return validate;
}

const celKeyword = keyword<readonly CelRule<unknown>[]>((rules, data, at) => {
  const errors: Partial<ErrorObject>[] = [];
  for (const rule of rules) {
    let ok: boolean;
    try {
      ok = rule.check(data);
    } catch {
      // The value had the wrong shape; the schema keywords report that already.
      ok = true;
    }
    if (ok) continue;
    const field = `${at}${rule.fieldPath ?? ''}`;
    const message = `${REASON_TEXT[rule.reason ?? 'FieldValueInvalid']}: ${rule.message}`;
    errors.push({ keyword: 'x-kubernetes-validations', message, params: { field } });
  }
  return errors;
});

/** Items whose identity (`id`) repeats an earlier item's, reported like the apiserver: `list[i]`. */
function duplicates(data: unknown, at: string, id: (item: unknown) => string | undefined, kw: string) {
  const errors: Partial<ErrorObject>[] = [];
  if (!Array.isArray(data)) return errors;
  const seen = new Set<string>();
  data.forEach((item: unknown, i) => {
    const key = id(item);
    if (key === undefined) return;
    if (seen.has(key))
      errors.push({ keyword: kw, message: `Duplicate value: ${key}`, params: { field: `${at}[${i}]` } });
    seen.add(key);
  });
  return errors;
}

const listMapKeysKeyword = keyword<readonly string[]>((keys, data, at) =>
  duplicates(
    data,
    at,
    (item) =>
      item !== null && typeof item === 'object'
        ? JSON.stringify(keys.map((k) => (item as Record<string, unknown>)[k]))
        : undefined,
    'x-kubernetes-list-map-keys',
  ),
);

const listTypeKeyword = keyword<'atomic' | 'set' | 'map'>((type, data, at) =>
  type === 'set' ? duplicates(data, at, (item) => JSON.stringify(item), 'x-kubernetes-list-type') : [],
);

function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
  addFormats(ajv, ['date-time', 'int32', 'int64']);
  ajv.addKeyword({ keyword: 'x-kubernetes-validations', validate: celKeyword, errors: true });
  ajv.addKeyword({ keyword: 'x-kubernetes-list-map-keys', validate: listMapKeysKeyword, errors: true });
  ajv.addKeyword({ keyword: 'x-kubernetes-list-type', validate: listTypeKeyword, errors: true });
  return ajv;
}

// ---- errors -------------------------------------------------------------------------------------

function toFieldError(e: ErrorObject): FieldError {
  const here = pointerToField(e.instancePath);
  const join = (name: string): string => (here === '' ? name : `${here}.${name}`);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'x-kubernetes-validations':
    case 'x-kubernetes-list-map-keys':
    case 'x-kubernetes-list-type':
      return { field: String(params.field), message: e.message ?? 'Invalid value' };
    case 'required':
      return { field: join(String(params.missingProperty)), message: 'Required value' };
    case 'additionalProperties':
      return { field: join(String(params.additionalProperty)), message: 'field not declared in schema' };
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return { field: here, message: `Unsupported value: supported values: ${allowed}` };
    }
    default:
      return { field: here, message: `Invalid value: ${e.message ?? e.keyword}` };
  }
}

// ---- public -------------------------------------------------------------------------------------

export interface KindValidator {
  validate(obj: unknown): ValidationResult;
  withDefaults<T>(obj: T): T;
}

/** Compiles lazily: programs that never validate a kind never pay for its compilation. */
export function kindValidator(k: KindSource): KindValidator {
  let compiled: ValidateFunction | undefined;
  const root = rootSchema(k);
  return {
    validate(obj) {
      compiled ??= newAjv().compile(kindSchema(k));
      if (compiled(applyDefaults(root, obj))) return { ok: true };
      const errors = (compiled.errors ?? []).map(toFieldError);
      // One error per field and message, in field order, like the apiserver's aggregate.
      const unique = [...new Map(errors.map((e) => [`${e.field}\0${e.message}`, e])).values()];
      unique.sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
      return { ok: false, errors: unique };
    },
    withDefaults<T>(obj: T): T {
      return applyDefaults(root, obj) as T;
    },
  };
}

/** `spec.image: Required value; spec.rules[0].value: …` for logs, events and CLI output. */
export function formatErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => (e.field === '' ? e.message : `${e.field}: ${e.message}`)).join('; ');
}
