// Generic webhook: a JSON document of the alert (its event, the Image, the rendered text), signed like the webhooks Tagpilot receives
// (docs/triggers.md, generic receiver):
// `X-Tagpilot-Signature: sha256=<hex HMAC-SHA256 of the exact body>`.
import { createHmac } from 'node:crypto';
import { NO_PREVIOUS_TAG, shownTags, timeString } from './notification.js';
import { bodyText, subjectText, type AlertMessage } from './message.js';
import type { ResolvedWebhook } from './resolve.js';
import { RESERVED_WEBHOOK_HEADERS } from '../../domain/alerts/validate.js';
import { DEFAULT_ALERT_EVENT, wireEventName, type AlertEvent } from '../../domain/alerts/events.js';

export const SIGNATURE_HEADER = 'X-Tagpilot-Signature';
export const EVENT_HEADER = 'X-Tagpilot-Event';
export const DELIVERY_HEADER = 'X-Tagpilot-Delivery';

export function signBody(secret: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}

export interface WebhookDocument {
  /** image.updated, image.failed, image.recovered, image.rolledBack, image.approvalPending, image.held. */
  event: string;
  /** The AlertConfig spec.events name of the event (Updated, Failed, …). */
  alertEvent: AlertEvent;
  /** Why (a failure, a rollback's cause); null for updates. */
  reason: string | null;
  id: string;
  alertConfig: { namespace: string; name: string };
  image: {
    namespace: string;
    name: string;
    repository: string;
    previousTag: string | null;
    newTag: string;
    digest: string | null;
    rule: string;
    time: string;
    availableTags: string[];
    availableTagsOmitted: number;
    link: string | null;
  };
  subject: string;
  body: string;
}

export function webhookDocument(
  m: AlertMessage,
  alertConfig: { namespace: string; name: string },
  id: string,
): WebhookDocument {
  const n = m.notification;
  const { shown, more } = shownTags(n);
  const event = n.event ?? DEFAULT_ALERT_EVENT;
  return {
    event: wireEventName(event),
    alertEvent: event,
    reason: n.reason ? n.reason : null,
    id,
    alertConfig,
    image: {
      namespace: n.namespace,
      name: n.name,
      repository: n.image,
      previousTag: n.previousTag && n.previousTag !== NO_PREVIOUS_TAG ? n.previousTag : null,
      newTag: n.newTag,
      digest: n.digest || null,
      rule: n.rule,
      time: timeString(n.time),
      availableTags: shown,
      availableTagsOmitted: more,
      link: m.link ?? null,
    },
    subject: subjectText(m),
    body: bodyText(m),
  };
}

/** Body and headers of the request; custom headers never replace Tagpilot's own. */
export function webhookRequest(
  channel: ResolvedWebhook,
  doc: WebhookDocument,
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(doc);
  const headers: Record<string, string> = {};
  for (const h of channel.headers) {
    if (!RESERVED_WEBHOOK_HEADERS.has(h.name.toLowerCase())) headers[h.name] = h.value;
  }
  headers[EVENT_HEADER] = doc.event;
  headers[DELIVERY_HEADER] = doc.id;
  if (channel.secret !== undefined) headers[SIGNATURE_HEADER] = signBody(channel.secret, body);
  return { body, headers };
}
