// The one AlertConfig validator: the CRD schema and its CEL rules, then what they cannot express
// (template syntax and variables, URL parsing, addresses, reserved webhook headers). Admission, the
// operator's Ready condition and `tagpilot alert test` all call alertConfigErrors, so an AlertConfig one
// of them rejects is rejected by all, and a bad template is reported long before an alert is sent.
// No value is read from a Secret here.
import { CHANNEL_TYPES, validateAlertConfig } from '../../crds/index.js';
import type { AlertConfigSpec, FieldError, SecretValue } from '../../crds/index.js';
import { asObject, mergeFieldErrors, withoutStatus } from '../field-errors.js';
import { formatTemplateError, parseTemplate } from './template.js';

/** Every problem of an AlertConfig (schema first, one message per field), or [] when it is valid. */
export function alertConfigErrors(obj: unknown): FieldError[] {
  const schema = validateAlertConfig(withoutStatus(obj));
  const spec = (obj as { spec?: unknown } | null)?.spec;
  return mergeFieldErrors(schema.ok ? [] : schema.errors, validateAlertConfigSpec(spec));
}

/** Field errors of a template only, for the operator's InvalidTemplate reason. */
export function isTemplateField(field: string): boolean {
  return field === 'spec.templateSubject' || field === 'spec.templateBody';
}

/** An http(s) URL with a host, as the WHATWG parser (and so the senders) read it. */
export function isHttpURL(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** Set by Tagpilot on every webhook request; a custom header must not forge or break them. */
export const RESERVED_WEBHOOK_HEADERS: ReadonlySet<string> = new Set([
  'content-type',
  'content-length',
  'transfer-encoding',
  'connection',
  'host',
  'x-tagpilot-signature',
  'x-tagpilot-event',
  'x-tagpilot-delivery',
]);

const HEADER_NAME = /^[-!#$%&'*+.^_`|~0-9A-Za-z]+$/;
// Deliberately loose (what SMTP servers accept varies); it catches typos like a missing "@" or spaces.
const ADDRESS = /^[^\s<>@]+@[^\s<>@]+$/;

/** `Name <a@b>` or `a@b` → `a@b`, or undefined when it is neither. */
export function mailbox(s: string): string | undefined {
  const m = /^\s*(?:"?([^"<>]*)"?\s*)?<([^<>]+)>\s*$/.exec(s);
  const addr = m ? m[2]!.trim() : s.trim();
  return ADDRESS.test(addr) ? addr : undefined;
}

function checkSecretValue(field: string, input: unknown, errors: FieldError[], url = false) {
  const v = asObject<SecretValue>(input);
  if (v === undefined) {
    errors.push({ field, message: 'Required value: set value or valueFrom' });
    return;
  }
  const hasValue = v.value !== undefined;
  const hasFrom = v.valueFrom !== undefined;
  if (hasValue === hasFrom) {
    errors.push({ field, message: 'Invalid value: set exactly one of value or valueFrom' });
    return;
  }
  if (hasValue) {
    if (url && !isHttpURL(String(v.value).trim())) {
      errors.push({
        field: `${field}.value`,
        message: 'Invalid value: must be an http or https URL with a host',
      });
    } else if (v.value === '') {
      errors.push({ field: `${field}.value`, message: 'Required value: must not be empty' });
    }
    return;
  }
  const from = asObject<NonNullable<SecretValue['valueFrom']>>(v.valueFrom) ?? {};
  const refs = [from.secretKeyRef && 'secretKeyRef', from.configMapKeyRef && 'configMapKeyRef'].filter(
    Boolean,
  );
  if (refs.length !== 1) {
    errors.push({
      field: `${field}.valueFrom`,
      message: 'Invalid value: set exactly one of secretKeyRef or configMapKeyRef',
    });
    return;
  }
  const sel = asObject<{ name?: string; key?: string }>(from.secretKeyRef ?? from.configMapKeyRef) ?? {};
  const selField = `${field}.valueFrom.${refs[0]}`;
  if (!sel.name) errors.push({ field: `${selField}.name`, message: 'Required value' });
  if (!sel.key) errors.push({ field: `${selField}.key`, message: 'Required value' });
}

function checkTemplate(field: string, source: unknown, errors: FieldError[], oneLine: boolean) {
  if (typeof source !== 'string') return;
  const parsed = parseTemplate(source);
  if (!parsed.ok) {
    errors.push({ field, message: `Invalid value: ${formatTemplateError(parsed.error)}` });
    return;
  }
  if (oneLine && parsed.nodes.some((n) => n.kind === 'text' && /[\r\n]/.test(n.value))) {
    errors.push({ field, message: 'Invalid value: a subject is one line; remove the line breaks' });
  }
}

/**
 * The checks beyond the schema, with apiserver-style paths (`spec.templateBody`); empty when valid. Parts
 * whose shape is wrong are skipped: the schema reports them. Use alertConfigErrors, which adds the schema.
 */
export function validateAlertConfigSpec(input: unknown): FieldError[] {
  const errors: FieldError[] = [];
  const spec = asObject<AlertConfigSpec>(input);
  if (spec === undefined) return [{ field: 'spec', message: 'Required value' }];
  if (!CHANNEL_TYPES.some((c) => spec[c] !== undefined)) {
    errors.push({
      field: 'spec',
      message: `Required value: configure at least one channel: ${CHANNEL_TYPES.join(', ')}`,
    });
  }

  checkTemplate('spec.templateSubject', spec.templateSubject, errors, true);
  checkTemplate('spec.templateBody', spec.templateBody, errors, false);

  for (const chat of ['slack', 'discord', 'msteams'] as const) {
    const c = asObject<{ webhookURL?: SecretValue }>(spec[chat]);
    if (c !== undefined) checkSecretValue(`spec.${chat}.webhookURL`, c.webhookURL, errors, true);
  }
  const channel = asObject<{ channel?: unknown }>(spec.slack)?.channel;
  if (channel !== undefined && (typeof channel !== 'string' || !/^[#@]?[^\s#@]+$/.test(channel))) {
    errors.push({
      field: 'spec.slack.channel',
      message: 'Invalid value: a channel name such as #deploys, without spaces',
    });
  }

  const e = asObject<NonNullable<AlertConfigSpec['email']>>(spec.email);
  if (e !== undefined) {
    if (typeof e.host !== 'string' || !e.host || /\s|\/|:\/\//.test(e.host)) {
      errors.push({
        field: 'spec.email.host',
        message: 'Invalid value: a host name or IP address, without scheme or port',
      });
    }
    if (e.port !== undefined && !(Number.isInteger(e.port) && e.port >= 1 && e.port <= 65535)) {
      errors.push({ field: 'spec.email.port', message: 'Invalid value: must be between 1 and 65535' });
    }
    if (typeof e.from !== 'string' || mailbox(e.from) === undefined) {
      errors.push({
        field: 'spec.email.from',
        message: 'Invalid value: an address such as alerts@example.com or "Tagpilot <alerts@example.com>"',
      });
    }
    if (!Array.isArray(e.to) || e.to.length === 0) {
      errors.push({ field: 'spec.email.to', message: 'Required value: at least one recipient' });
    } else {
      e.to.forEach((to, i) => {
        if (typeof to !== 'string' || !ADDRESS.test(to)) {
          errors.push({
            field: `spec.email.to[${i}]`,
            message: 'Invalid value: an address such as ops@example.com',
          });
        }
      });
    }
    if ((e.username === undefined) !== (e.password === undefined)) {
      errors.push({
        field: 'spec.email.password',
        message: 'Invalid value: set username and password together, or neither',
      });
    }
    if (e.username !== undefined) checkSecretValue('spec.email.username', e.username, errors);
    if (e.password !== undefined) checkSecretValue('spec.email.password', e.password, errors);
  }

  const w = asObject<NonNullable<AlertConfigSpec['webhook']>>(spec.webhook);
  if (w !== undefined) {
    if (typeof w.url !== 'string' || !isHttpURL(w.url)) {
      errors.push({
        field: 'spec.webhook.url',
        message: 'Invalid value: must be an http or https URL with a host',
      });
    }
    if (w.secret !== undefined) checkSecretValue('spec.webhook.secret', w.secret, errors);
    const seen = new Set<string>();
    (Array.isArray(w.headers) ? w.headers : []).forEach((header: unknown, i) => {
      const field = `spec.webhook.headers[${i}]`;
      const h = asObject<{ name?: unknown; value?: SecretValue }>(header) ?? {};
      const lower = typeof h.name === 'string' ? h.name.toLowerCase() : '';
      if (!HEADER_NAME.test(lower)) {
        errors.push({ field: `${field}.name`, message: 'Invalid value: not a valid HTTP header name' });
      } else if (RESERVED_WEBHOOK_HEADERS.has(lower)) {
        errors.push({ field: `${field}.name`, message: `Forbidden: ${String(h.name)} is set by Tagpilot` });
      } else if (seen.has(lower)) {
        errors.push({
          field: `${field}.name`,
          message: `Duplicate value: header ${String(h.name)} is set twice`,
        });
      }
      seen.add(lower);
      checkSecretValue(`${field}.value`, h.value, errors);
    });
  }
  return errors;
}
