// The parts every channel formats: subject and body from the AlertConfig templates (or the defaults),
// and a short list of facts (image, tags, resource, rule, digest).
import type { AlertConfigSpec } from '../../crds/index.js';
import { DEFAULT_ALERT_EVENT } from '../../domain/alerts/events.js';
import {
  DEFAULT_TEMPLATES,
  notificationLink,
  templateValues,
  timeString,
  type Notification,
} from './notification.js';
import {
  formatTemplateError,
  parseTemplate,
  renderTemplate,
  type TemplateNode,
  type TemplateValues,
} from '../../domain/alerts/template.js';

export interface AlertMessage {
  notification: Notification;
  values: TemplateValues;
  subject: TemplateNode[];
  body: TemplateNode[];
  link?: string;
  /** Set when a template of the spec did not parse and the default was used instead. */
  templateProblems: string[];
}

function compile(
  field: string,
  source: string | undefined,
  fallback: string,
  problems: string[],
): TemplateNode[] {
  const parsed = parseTemplate(source ?? fallback);
  if (parsed.ok) return parsed.nodes;
  // Admission and the operator reject bad templates; one can still arrive here when the webhook was
  // down. An alert with the default wording beats no alert, and the outcome says why.
  problems.push(`${field} is invalid (${formatTemplateError(parsed.error)}); the default template was used`);
  const def = parseTemplate(fallback);
  if (!def.ok) throw new Error(`built-in ${field} does not parse: ${def.error.message}`);
  return def.nodes;
}

export function buildMessage(spec: AlertConfigSpec, notification: Notification): AlertMessage {
  const templateProblems: string[] = [];
  const link = notificationLink(notification);
  const defaults = DEFAULT_TEMPLATES[notification.event ?? DEFAULT_ALERT_EVENT];
  return {
    notification,
    values: templateValues(notification),
    subject: compile('spec.templateSubject', spec.templateSubject, defaults.subject, templateProblems),
    body: compile('spec.templateBody', spec.templateBody, defaults.body, templateProblems),
    ...(link ? { link } : {}),
    templateProblems,
  };
}

export function subjectText(m: AlertMessage, escape?: (s: string) => string): string {
  // A multi-line subject breaks mail headers and chat titles; the subject template is validated as
  // one line, but a variable could still hold a newline.
  return renderTemplate(m.subject, m.values, escape)
    .replace(/[\r\n]+/g, ' ')
    .trim();
}

export function bodyText(m: AlertMessage, escape?: (s: string) => string): string {
  return renderTemplate(m.body, m.values, escape);
}

export interface Fact {
  label: string;
  value: string;
}

/** Events about a move from one tag to another; the others are about the Image as it stands. */
const MOVES: ReadonlySet<string> = new Set(['Updated', 'RolledBack', 'ApprovalPending']);

export function facts(m: AlertMessage): Fact[] {
  const v = m.values;
  const move = MOVES.has(v.event);
  return [
    { label: 'Image', value: v.image },
    { label: 'Tag', value: move ? `${v.previousTag} → ${v.newTag}` : v.newTag },
    { label: 'Resource', value: `${v.namespace}/${v.name}` },
    ...(v.event !== 'Updated' ? [{ label: 'Event', value: v.event }] : []),
    ...(v.rule ? [{ label: 'Rule', value: v.rule }] : []),
    ...(move ? [{ label: 'Digest', value: v.digest }] : []),
    { label: 'Time', value: timeString(m.notification.time) },
  ];
}

export function clip(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max - 1) + '…';
}
