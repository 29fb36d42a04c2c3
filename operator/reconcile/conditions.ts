// metav1.Condition bookkeeping as pure functions: lastTransitionTime moves only when the status does,
// and a write is needed only when something a reader sees would change.
import type { Condition } from '../../crds/index.js';

export interface DesiredCondition {
  type: string;
  status: Condition['status'];
  reason: string;
  message: string;
}

/** Condition messages are for humans; the schema allows 32 KiB but `kubectl describe` wants less. */
const MAX_MESSAGE = 4096;

export function truncate(message: string, max = MAX_MESSAGE): string {
  return message.length <= max ? message : `${message.slice(0, max - 1)}…`;
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function nextCondition(
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
    lastTransitionTime: transitioned
      ? now.toISOString().replace(/\.\d{3}Z$/, 'Z')
      : current.lastTransitionTime,
    reason: desired.reason,
    message: truncate(desired.message),
  };
}

export function sameCondition(a: Condition | undefined, b: Condition): boolean {
  return (
    a !== undefined &&
    a.status === b.status &&
    a.reason === b.reason &&
    a.message === b.message &&
    a.observedGeneration === b.observedGeneration &&
    a.lastTransitionTime === b.lastTransitionTime
  );
}
