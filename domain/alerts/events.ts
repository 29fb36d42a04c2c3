// What an alert is about. Every alert names one of these; an AlertConfig chooses the ones it wants.
export const ALERT_EVENTS = [
  'Updated',
  'Failed',
  'Recovered',
  'RolledBack',
  'ApprovalPending',
  'Held',
] as const;

export type AlertEvent = (typeof ALERT_EVENTS)[number];

/** An alert that does not say what it is about is an update: the only kind alerts were sent for at first. */
export const DEFAULT_ALERT_EVENT: AlertEvent = 'Updated';
