// What an alert is about. Every alert names one of these; an AlertConfig chooses the ones it wants in
// spec.events (the list itself is the schema's enum, crds/alertconfig.schema.ts).
import { ALERT_EVENTS, type AlertConfigSpec } from '../../crds/index.js';

export { ALERT_EVENTS };

export type AlertEvent = (typeof ALERT_EVENTS)[number];

/** An alert that does not say what it is about is an update: the only kind alerts were sent for at first. */
export const DEFAULT_ALERT_EVENT: AlertEvent = 'Updated';

/**
 * Whether an AlertConfig wants alerts about `event` (undefined: an update). Without spec.events it wants
 * every event: a team that wired alerts wants to hear about failures and rollbacks too.
 */
export function wantsEvent(spec: Pick<AlertConfigSpec, 'events'>, event: AlertEvent | undefined): boolean {
  const wanted = spec.events;
  return wanted === undefined || wanted.includes(event ?? DEFAULT_ALERT_EVENT);
}

/** The event name in the generic webhook's `event` field and X-Tagpilot-Event header, e.g. image.failed. */
export function wireEventName(event: AlertEvent | undefined): string {
  const e = event ?? DEFAULT_ALERT_EVENT;
  return `image.${e.charAt(0).toLowerCase()}${e.slice(1)}`;
}
