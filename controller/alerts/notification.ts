// What an alert is about (one Image update) and the template variables derived from it.
import { registryLink } from './registry-link.js';
import type { AlertEvent } from '../../domain/alerts/events.js';
import type { TemplateValues } from '../../domain/alerts/template.js';

export interface Notification {
  /** The Image resource. */
  namespace: string;
  name: string;
  /** spec.image: the repository, e.g. ghcr.io/acme/web. */
  image: string;
  /** The tag before the update; absent on a first observation. */
  previousTag?: string;
  newTag: string;
  /** Digest of newTag when known. */
  digest?: string;
  /** Name (or type) of the rule that chose newTag. */
  rule: string;
  /** When the update was decided. */
  time: Date | string;
  /** Tags the registry offered; only the first AVAILABLE_TAGS_LIMIT are shown. */
  availableTags?: readonly string[];
  /** Web page of the repository; derived from `image` for well-known registries when absent. */
  link?: string;
  /** Stable identity of the update (see updateKey); sent as the webhook delivery id and e-mail Message-ID. */
  id?: string;
  /** What the alert reports; an update when absent. */
  event?: AlertEvent;
}

/** Chat messages and e-mails stay readable; receivers that need every tag ask the registry. */
export const AVAILABLE_TAGS_LIMIT = 20;

export const NO_PREVIOUS_TAG = '(none)';
export const UNKNOWN_DIGEST = '(unknown)';

export function timeString(time: Date | string): string {
  const d = typeof time === 'string' ? new Date(time) : time;
  return Number.isNaN(d.getTime()) ? String(time) : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function shownTags(n: Notification): { shown: string[]; more: number } {
  const all = n.availableTags ?? [];
  return { shown: all.slice(0, AVAILABLE_TAGS_LIMIT), more: Math.max(0, all.length - AVAILABLE_TAGS_LIMIT) };
}

export function templateValues(n: Notification): TemplateValues {
  const { shown, more } = shownTags(n);
  return {
    namespace: n.namespace,
    name: n.name,
    image: n.image,
    previousTag: n.previousTag || NO_PREVIOUS_TAG,
    newTag: n.newTag,
    digest: n.digest || UNKNOWN_DIGEST,
    rule: n.rule,
    time: timeString(n.time),
    availableTags: shown.join(', ') + (more > 0 ? ` (+${more} more)` : ''),
  };
}

export function notificationLink(n: Notification): string | undefined {
  return n.link ?? registryLink(n.image);
}

export const DEFAULT_SUBJECT = '[tagpilot] {{ .namespace }}/{{ .name }}: {{ .previousTag }} → {{ .newTag }}';

export const DEFAULT_BODY = `Image {{ .namespace }}/{{ .name }} was updated from {{ .previousTag }} to {{ .newTag }} by rule "{{ .rule }}".

Image:  {{ .image }}
Digest: {{ .digest }}
Time:   {{ .time }}`;

/** What `tagpilot alert test` sends: realistic values, clearly marked as a test. */
export function sampleNotification(now: Date = new Date()): Notification {
  return {
    namespace: 'tagpilot-test',
    name: 'alert-test',
    image: 'ghcr.io/acme/web',
    previousTag: 'v1.4.0',
    newTag: 'v1.5.0',
    digest: 'sha256:' + '0123456789abcdef'.repeat(4),
    rule: 'test alert from tagpilot alert test',
    time: now,
    availableTags: ['v1.3.2', 'v1.4.0', 'v1.4.1', 'v1.5.0'],
  };
}
