// "No duplicate alert for the same update when a controller restarts or a trigger repeats."
//
// The state lives in the cluster, on the Image itself, in one annotation (ALERT_STATE_ANNOTATION) that
// holds the identity of the latest update and, per AlertConfig, where its delivery stands:
//
//   {"v":1,"update":"<key>","configs":{"team-slack":{"state":"Claimed","by":"<holder>","at":"<time>"}}}
//
// Protocol, per (update, AlertConfig), with optimistic concurrency on the Image's resourceVersion:
//   1. decide: no record for this update/AlertConfig → send; Done → skip; Claimed → skip (see below).
//   2. claim: write state Claimed (by this controller instance) BEFORE sending; a 409 means someone else
//      wrote first: read again and decide again.
//   3. send to every channel (deliverAlert), then write state Done with the per-channel results.
//
// Delivery is therefore at most once per update and AlertConfig. A controller that dies between claim
// and Done leaves a Claimed record from another holder; its successor does not resend (the peer may well
// have received it) but reports the alert as unconfirmed in an Event, so nothing is lost silently.
// Only the latest update is kept: a new update replaces the record, so the annotation stays small.
import { createHash } from 'node:crypto';
import type { ChannelType } from '../../crds/index.js';
import { DEFAULT_ALERT_EVENT, type AlertEvent } from '../../domain/alerts/events.js';

export const ALERT_STATE_ANNOTATION = 'tagpilot.dev/alert-state';

export interface UpdateIdentity {
  namespace: string;
  name: string;
  previousTag?: string;
  newTag: string;
  digest?: string;
  /** What the alert is about; an update when absent. */
  event?: AlertEvent;
  /**
   * Which occurrence of the event, when the tags alone do not tell (a failure episode: see
   * controller/engine/failure-alerts.ts). Empty for updates.
   */
  episode?: string;
}

/**
 * Identity of one alert: the same Image moving from the same tag to the same tag and digest, for the same
 * event (and episode). A repeated trigger or a restarted controller computes the same key; a new digest
 * behind the same tag (digest rule) is a new key; a Failed and a Recovered alert of one episode have
 * different keys. An update's key is what it was before events existed, so records written by an older
 * controller still match. 128 bits of SHA-256 is plenty to tell the alerts of one Image apart.
 */
export function updateKey(u: UpdateIdentity): string {
  const parts = [u.namespace, u.name, u.previousTag ?? '', u.newTag, u.digest ?? ''];
  const event = u.event ?? DEFAULT_ALERT_EVENT;
  if (event !== DEFAULT_ALERT_EVENT) parts.push(event, u.episode ?? '');
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 32);
}

export type ConfigState = 'Claimed' | 'Done';

export interface ConfigRecord {
  state: ConfigState;
  /** Who claimed it: a controller instance id (Pod name + process start). */
  by: string;
  /** When the state was written (RFC 3339). */
  at: string;
  /** Done only: channels delivered and channels that failed. */
  sent?: ChannelType[];
  failed?: ChannelType[];
}

export interface AlertState {
  v: 1;
  update: string;
  configs: Record<string, ConfigRecord>;
}

/** Reads the annotation; anything unreadable counts as no record (a hand-edited value must not block alerts). */
export function parseAlertState(annotation: string | undefined): AlertState | undefined {
  if (!annotation) return undefined;
  try {
    const s = JSON.parse(annotation) as Partial<AlertState>;
    if (s.v !== 1 || typeof s.update !== 'string' || typeof s.configs !== 'object' || s.configs === null) {
      return undefined;
    }
    return s as AlertState;
  } catch {
    return undefined;
  }
}

export function formatAlertState(s: AlertState): string {
  return JSON.stringify(s);
}

export type Decision =
  | { send: true }
  | { send: false; reason: 'AlreadySent'; record: ConfigRecord }
  | { send: false; reason: 'InProgress'; record: ConfigRecord }
  | { send: false; reason: 'Unconfirmed'; record: ConfigRecord };

/** Whether `holder` should send the alert of update `key` through AlertConfig `config`, given the record. */
export function decide(state: AlertState | undefined, key: string, config: string, holder: string): Decision {
  if (!state || state.update !== key) return { send: true };
  const record = state.configs[config];
  if (!record) return { send: true };
  if (record.state === 'Done') return { send: false, reason: 'AlreadySent', record };
  // Claimed: by us means a repeated trigger while we are still sending; by another instance means it
  // stopped before recording the result. Either way a second send could duplicate the first.
  return { send: false, reason: record.by === holder ? 'InProgress' : 'Unconfirmed', record };
}

/** The state after claiming `config` for update `key`; records of older updates are dropped. */
export function claim(
  state: AlertState | undefined,
  key: string,
  config: string,
  holder: string,
  now: Date,
): AlertState {
  const configs = state && state.update === key ? { ...state.configs } : {};
  configs[config] = { state: 'Claimed', by: holder, at: now.toISOString() };
  return { v: 1, update: key, configs };
}

/**
 * The state after the delivery finished, or undefined when a newer update replaced the record meanwhile
 * (then there is nothing left to record about this one).
 */
export function complete(
  state: AlertState | undefined,
  key: string,
  config: string,
  holder: string,
  now: Date,
  result: { sent: ChannelType[]; failed: ChannelType[] },
): AlertState | undefined {
  if (state && state.update !== key) return undefined;
  const configs = { ...(state?.configs ?? {}) };
  configs[config] = {
    state: 'Done',
    by: holder,
    at: now.toISOString(),
    sent: result.sent,
    failed: result.failed,
  };
  return { v: 1, update: key, configs };
}
