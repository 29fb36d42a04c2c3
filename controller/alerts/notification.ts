// What an alert is about (an Image update, a failed check, a rollback, …) and the template variables
// derived from it.
import { registryLink } from './registry-link.js';
import { DEFAULT_ALERT_EVENT, type AlertEvent } from '../../domain/alerts/events.js';
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
  /**
   * Why, for events other than an update: the failure of a Failed alert, the rollback's cause, what a
   * pending approval or a hold waits for. Scrubbed of the AlertConfig's secrets before it is sent.
   */
  reason?: string;
  /** Which occurrence of the event (a failure episode); part of the identity, see updateKey. */
  episode?: string;
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
    event: n.event ?? DEFAULT_ALERT_EVENT,
    reason: n.reason ?? '',
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

/**
 * The wording used when an AlertConfig sets no template: each event reads as what happened (a failure
 * alert does not say "updated from X to Y"). An AlertConfig's own templates are used for every event.
 */
export const DEFAULT_TEMPLATES: Record<AlertEvent, { subject: string; body: string }> = {
  Updated: { subject: DEFAULT_SUBJECT, body: DEFAULT_BODY },
  Failed: {
    subject: '[tagpilot] {{ .namespace }}/{{ .name }}: check failed',
    body: `The check of Image {{ .namespace }}/{{ .name }} failed: {{ .reason }}

Nothing was changed; the cluster keeps {{ .newTag }}. Tagpilot keeps checking and sends one more alert when a check succeeds again.

Image:  {{ .image }}
Time:   {{ .time }}`,
  },
  Recovered: {
    subject: '[tagpilot] {{ .namespace }}/{{ .name }}: checks succeed again',
    body: `The check of Image {{ .namespace }}/{{ .name }} succeeded again after failing. {{ .reason }}

Image:  {{ .image }}
Tag:    {{ .newTag }}
Time:   {{ .time }}`,
  },
  RolledBack: {
    subject: '[tagpilot] {{ .namespace }}/{{ .name }}: rolled back {{ .previousTag }} → {{ .newTag }}',
    body: `Image {{ .namespace }}/{{ .name }}: {{ .previousTag }} did not become healthy and was rolled back to {{ .newTag }}: {{ .reason }}

{{ .previousTag }} is rejected and not tried again.

Image:  {{ .image }}
Time:   {{ .time }}`,
  },
  ApprovalPending: {
    subject: '[tagpilot] {{ .namespace }}/{{ .name }}: {{ .newTag }} waits for approval',
    body: `Rule "{{ .rule }}" picked {{ .newTag }} for Image {{ .namespace }}/{{ .name }} (now {{ .previousTag }}); it is not applied until approved. {{ .reason }}

Image:  {{ .image }}
Digest: {{ .digest }}
Time:   {{ .time }}`,
  },
  Held: {
    subject: '[tagpilot] {{ .namespace }}/{{ .name }}: held',
    body: `Image {{ .namespace }}/{{ .name }} is held: {{ .reason }}

Image:  {{ .image }}
Tag:    {{ .newTag }}
Time:   {{ .time }}`,
  },
};

/** What `tagpilot alert test` sends: realistic values for `event`, clearly marked as a test. */
export function sampleNotification(
  now: Date = new Date(),
  event: AlertEvent = DEFAULT_ALERT_EVENT,
): Notification {
  const base: Notification = {
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
  const why = (reason: string) => `${reason} (test alert from tagpilot alert test)`;
  switch (event) {
    case 'Updated':
      return base;
    case 'Failed':
    case 'Recovered': {
      const { previousTag: _p, ...rest } = base;
      return {
        ...rest,
        newTag: 'v1.4.0',
        rule: '',
        event,
        reason: why(
          event === 'Failed'
            ? 'registry ghcr.io: connection refused'
            : 'Failing since 2026-03-01T10:00:00Z (RegistryError); now: no update',
        ),
      };
    }
    case 'RolledBack':
      return {
        ...base,
        previousTag: 'v1.5.0',
        newTag: 'v1.4.0',
        rule: 'rollback of v1.5.0 (rule test alert from tagpilot alert test)',
        event,
        reason: why('Deployment/web: Pod web-1 container web is in CrashLoopBackOff'),
      };
    case 'ApprovalPending':
      return {
        ...base,
        event,
        reason: why('approve it with: kubectl annotate image alert-test tagpilot.dev/approve=v1.5.0'),
      };
    case 'Held':
      return { ...base, newTag: 'v1.4.0', event, reason: why('Deployment/web was rolled back by hand') };
  }
}
