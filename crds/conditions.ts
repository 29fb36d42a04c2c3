// metav1.Condition bookkeeping for every program that writes a Tagpilot status (the operator's Ready, the
// controller's UpToDate): lastTransitionTime moves only when the status does, and two conditions are the
// same when everything a reader acts on is the same (the transition time follows from the status).
import type { Condition } from './types.gen.js';

/**
 * The longest message Tagpilot writes into a status, a condition or an Event. One limit everywhere: the
 * Events API rejects longer notes, and `kubectl describe`/`get -o wide` are unreadable well before the
 * schema's 32 KiB anyway.
 */
export const MAX_MESSAGE = 1024;

/** `message` cut to MAX_MESSAGE characters, with an ellipsis when something was cut. */
export function clipMessage(message: string, max = MAX_MESSAGE): string {
  return message.length <= max ? message : `${message.slice(0, max - 1)}…`;
}

/** What a writer wants a condition to say; the bookkeeping fields are filled in by setCondition. */
export interface DesiredCondition {
  type: string;
  status: Condition['status'];
  reason: string;
  message: string;
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Second precision, as metav1.Time serialises: a re-read value compares equal to the written one. */
export function conditionTime(d: Date): string {
  const iso = d.toISOString();
  // `YYYY-MM-DDTHH:mm:ss.sssZ` for years 0–9999 (every status write asks this of each condition).
  return iso.length === 24 ? `${iso.slice(0, 19)}Z` : iso.replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The condition to write next: `desired`, stamped with the generation it was computed from, its message
 * clipped, and lastTransitionTime kept from `current` unless the status changes.
 */
export function setCondition(
  current: Condition | undefined,
  desired: DesiredCondition,
  generation: number | undefined,
  now: Date,
): Condition {
  const transitioned = current === undefined || current.status !== desired.status;
  return {
    type: desired.type,
    status: desired.status,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    lastTransitionTime: transitioned ? conditionTime(now) : current.lastTransitionTime,
    reason: desired.reason,
    message: clipMessage(desired.message),
  };
}

/** Whether writing `b` over `a` would change anything but lastTransitionTime. */
export function sameCondition(a: Condition | undefined, b: Condition): boolean {
  return (
    a !== undefined &&
    a.type === b.type &&
    a.status === b.status &&
    a.reason === b.reason &&
    a.message === b.message &&
    a.observedGeneration === b.observedGeneration
  );
}
