// What the validating webhook (and the operator's Ready condition) checks beyond the CRD schema and
// its CEL rules: cron expressions and time zones, regex compilation, semver ranges, image reference
// syntax and alert templates. Every error names the field, as the apiserver does.
import { validateAlertConfig, validateImage, type FieldError, type Image } from '../crds/index.js';
import { parseImageReference } from '../controller/registry/reference.js';
import { RuleError, validateRule, validateTagFilter } from '../controller/rules/index.js';
import { formatTemplateError, parseTemplate } from '../controller/alerts/template.js';
import { validateTrigger } from '../controller/triggers/index.js';

type Spec = Partial<Image['spec']> & Record<string, unknown>;

function ruleErrors(run: () => void): FieldError[] {
  try {
    run();
    return [];
  } catch (err) {
    if (err instanceof RuleError) return [{ field: err.field, message: err.detail }];
    throw err;
  }
}

/** Checks the schema cannot express; assumes the shape is right where it reads (the schema said so). */
function imageSemantics(spec: Spec): FieldError[] {
  const errors: FieldError[] = [];
  if (typeof spec.image === 'string') {
    try {
      const ref = parseImageReference(spec.image);
      if (ref.tag !== undefined || ref.digest !== undefined) {
        errors.push({
          field: 'spec.image',
          message:
            'must name the repository only, without tag or digest; put the starting tag in spec.baseTag',
        });
      }
    } catch (err) {
      errors.push({ field: 'spec.image', message: (err as Error).message });
    }
  }
  // The scheduler's own parser, so admission accepts exactly what the controller can schedule.
  (Array.isArray(spec.triggers) ? spec.triggers : []).forEach((t, i) => {
    if (t && typeof t.type === 'string') errors.push(...validateTrigger(t, i));
  });
  (Array.isArray(spec.rules) ? spec.rules : []).forEach((r, i) => {
    if (r && typeof r.type === 'string')
      errors.push(...ruleErrors(() => validateRule(r, `spec.rules[${i}]`)));
  });
  if (spec.tagFilter && typeof spec.tagFilter === 'object') {
    const filter = spec.tagFilter;
    errors.push(...ruleErrors(() => validateTagFilter(filter, 'spec.tagFilter')));
  }
  return errors;
}

/**
 * Schema errors first (the ajv validator mirrors the CRD), then the semantic checks for fields the
 * schema passed: one message per field, so a missing value is not also reported as an invalid one.
 */
function merge(schema: FieldError[], semantic: FieldError[]): FieldError[] {
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
function withoutStatus(obj: unknown): unknown {
  if (obj === null || typeof obj !== 'object') return obj;
  const { status: _status, ...rest } = obj as Record<string, unknown>;
  return rest;
}

/** Every problem of an Image's spec (and metadata), or [] when it is valid. */
export function imageErrors(obj: unknown): FieldError[] {
  const schema = validateImage(withoutStatus(obj));
  const spec = ((obj as { spec?: unknown } | null)?.spec ?? {}) as Spec;
  return merge(schema.ok ? [] : schema.errors, imageSemantics(spec));
}

function isHttpURL(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

function alertConfigSemantics(spec: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  for (const field of ['templateSubject', 'templateBody'] as const) {
    const source = spec[field];
    if (typeof source !== 'string') continue;
    const parsed = parseTemplate(source);
    if (!parsed.ok) errors.push({ field: `spec.${field}`, message: formatTemplateError(parsed.error) });
  }
  // The CEL rule matches a simple pattern; a URL the WHATWG parser rejects would fail at send time.
  const urls: [string, unknown][] = [
    ['spec.webhook.url', (spec.webhook as { url?: unknown } | undefined)?.url],
    ...(['slack', 'discord', 'msteams'] as const).map((c): [string, unknown] => [
      `spec.${c}.webhookURL.value`,
      (spec[c] as { webhookURL?: { value?: unknown } } | undefined)?.webhookURL?.value,
    ]),
  ];
  for (const [field, value] of urls) {
    if (typeof value === 'string' && !isHttpURL(value)) {
      errors.push({ field, message: 'must be an http or https URL with a host' });
    }
  }
  return errors;
}

/** Every problem of an AlertConfig's spec, or [] when it is valid. Secret references are not read here. */
export function alertConfigErrors(obj: unknown): FieldError[] {
  const schema = validateAlertConfig(withoutStatus(obj));
  const spec = ((obj as { spec?: unknown } | null)?.spec ?? {}) as Record<string, unknown>;
  return merge(schema.ok ? [] : schema.errors, alertConfigSemantics(spec));
}

/** Field errors of a template only, for the operator's InvalidTemplate reason. */
export function isTemplateField(field: string): boolean {
  return field === 'spec.templateSubject' || field === 'spec.templateBody';
}
