// Pure status bookkeeping: from the previous status and what a check found to the controller's next
// status, and whether that is worth a write.
//
// Ownership (docs/controller.md#status): the controller owns tag, digest, result, message, lastCheckTime,
// nextCheckTime, history, rollout, pending, rejected, waiting, firstSeen, holds and conditions[type=UpToDate|Healthy]; the operator owns observedGeneration and
// conditions[type=Ready]. The controller writes by server-side apply under its own field manager, and
// the conditions list is a map keyed by type, so each writer's entries survive the other's writes. With
// apply, a field the controller stops sending is removed: `appliedStatus` therefore always carries every
// owned field that has a value, and leaves out exactly those that must disappear.
//
// Writes: a check that changes nothing but the times does not write, except once per heartbeat interval
// (so `lastCheckTime` stays roughly current without one write per Image per tick; see docs/controller.md).
import {
  conditionTime,
  findCondition,
  sameCondition,
  setCondition,
  type Condition,
  type DesiredCondition,
  type ImageHistoryEntry,
  type ImagePending,
  type ImagePods,
  type ImageFirstSeen,
  type ImageHold,
  type ImageRejectedTag,
  type ImageResult,
  type ImageRollout,
  type ImageStatus,
  type ImageWaiting,
} from '../../crds/index.js';

import { HEALTHY } from '../health/gate.js';

export const UP_TO_DATE = 'UpToDate';
export const HISTORY_LIMIT = 10;

export type UpToDateState = Omit<DesiredCondition, 'type'>;

/** What one check found, in the terms of the status. */
export interface CheckReport {
  result: ImageResult;
  message: string;
  /** The tag the cluster should run after this check (the previous one when the check failed). */
  tag: string | undefined;
  digest: string | undefined;
  /** A change to record in history (a new tag, or a new digest for the digest rule). */
  change?: { tag: string; digest?: string; rule: string };
  upToDate: UpToDateState;
  nextCheckTime?: Date;
  /** The health gate's part (controller/health/); a field left out keeps what the status has. */
  rollout?: ImageRollout | null;
  /** The tag waiting for approval (docs/safe-updates.md#approvals); null clears it, left out keeps it. */
  pending?: ImagePending | null;
  rejected?: ImageRejectedTag[];
  healthy?: UpToDateState;
  /** Running-pod truth (status.pods): undefined keeps what the status has, null removes it. */
  pods?: ImagePods | null;
  /** A decision waiting for an update window; null removes it, left out keeps what the status has. */
  waiting?: ImageWaiting | null;
  /** status.firstSeen for spec.minTagAge; left out keeps what the status has. */
  firstSeen?: ImageFirstSeen[];
  /** Workloads held after a hand rollback (controller/engine/holds.ts); left out: as the status has. */
  holds?: ImageHold[];
}

/** The controller's part of the status. Undefined fields are removed from the object when applied. */
export interface OwnedStatus {
  tag: string | undefined;
  digest: string | undefined;
  result: ImageResult;
  message: string;
  lastCheckTime: string;
  nextCheckTime: string | undefined;
  history: ImageHistoryEntry[];
  upToDate: Condition;
  rollout: ImageRollout | undefined;
  pending: ImagePending | undefined;
  rejected: ImageRejectedTag[] | undefined;
  healthy: Condition | undefined;
  pods: ImagePods | undefined;
  waiting: ImageWaiting | undefined;
  firstSeen: ImageFirstSeen[] | undefined;
  holds: ImageHold[] | undefined;
}

export function appendHistory(
  history: readonly ImageHistoryEntry[] | undefined,
  entry: ImageHistoryEntry,
  limit = HISTORY_LIMIT,
): ImageHistoryEntry[] {
  return [entry, ...(history ?? [])].slice(0, limit);
}

/** The controller's Healthy condition of a status (the health gate's). */
export function healthyOf(status: ImageStatus | undefined): Condition | undefined {
  return findCondition(status?.conditions, HEALTHY);
}

/** The controller's UpToDate condition of a status. */
export function upToDateOf(status: ImageStatus | undefined): Condition | undefined {
  return findCondition(status?.conditions, UP_TO_DATE);
}

/**
 * The next owned status. `generation` is the spec the check evaluated; it goes into the UpToDate
 * condition (status.observedGeneration is the operator's).
 */
export function nextOwnedStatus(
  previous: ImageStatus | undefined,
  report: CheckReport,
  generation: number | undefined,
  now: Date,
): OwnedStatus {
  const history = report.change
    ? appendHistory(previous?.history, {
        tag: report.change.tag,
        ...(report.change.digest ? { digest: report.change.digest } : {}),
        rule: report.change.rule,
        time: conditionTime(now),
      })
    : [...(previous?.history ?? [])];
  return {
    tag: report.tag,
    digest: report.digest,
    result: report.result,
    message: report.message,
    lastCheckTime: conditionTime(now),
    nextCheckTime: report.nextCheckTime ? conditionTime(report.nextCheckTime) : undefined,
    history,
    upToDate: setCondition(upToDateOf(previous), { type: UP_TO_DATE, ...report.upToDate }, generation, now),
    rollout: report.rollout === null ? undefined : (report.rollout ?? previous?.rollout),
    pending: report.pending === null ? undefined : (report.pending ?? previous?.pending),
    rejected: report.rejected ?? previous?.rejected,
    holds: report.holds ?? previous?.holds,
    healthy: report.healthy
      ? setCondition(healthyOf(previous), { type: HEALTHY, ...report.healthy }, generation, now)
      : healthyOf(previous),
    pods: report.pods === null ? undefined : (report.pods ?? previous?.pods),
    waiting: report.waiting === null ? undefined : (report.waiting ?? previous?.waiting),
    firstSeen: report.firstSeen ?? previous?.firstSeen,
  };
}

function sameHistory(a: readonly ImageHistoryEntry[] | undefined, b: readonly ImageHistoryEntry[]): boolean {
  const x = a ?? [];
  if (x.length !== b.length) return false;
  return x.every((e, i) => {
    const o = b[i]!;
    return e.tag === o.tag && e.digest === o.digest && e.rule === o.rule && e.time === o.time;
  });
}

export type WriteNeed = 'changed' | 'heartbeat' | 'none';

/**
 * Whether `next` must be written over `previous`: `changed` when anything but the check times differs,
 * `heartbeat` when only the times differ but the stored lastCheckTime is older than `heartbeatMs`
 * (0: always), else `none`.
 */
export function writeNeed(
  previous: ImageStatus | undefined,
  next: OwnedStatus,
  now: Date,
  heartbeatMs: number,
): WriteNeed {
  const p = previous ?? {};
  const significant =
    p.tag !== next.tag ||
    p.digest !== next.digest ||
    p.result !== next.result ||
    p.message !== next.message ||
    !sameHistory(p.history, next.history) ||
    !sameCondition(upToDateOf(previous), next.upToDate) ||
    (next.healthy !== undefined && !sameCondition(healthyOf(previous), next.healthy)) ||
    JSON.stringify(p.rollout) !== JSON.stringify(next.rollout) ||
    JSON.stringify(p.pending) !== JSON.stringify(next.pending) ||
    JSON.stringify(p.rejected ?? []) !== JSON.stringify(next.rejected ?? []) ||
    JSON.stringify(p.pods ?? null) !== JSON.stringify(next.pods ?? null) ||
    JSON.stringify(p.waiting) !== JSON.stringify(next.waiting) ||
    JSON.stringify(p.firstSeen ?? []) !== JSON.stringify(next.firstSeen ?? []) ||
    JSON.stringify(p.holds ?? []) !== JSON.stringify(next.holds ?? []) ||
    // A schedule appearing or disappearing is news; the next time moving along is not.
    (p.nextCheckTime === undefined) !== (next.nextCheckTime === undefined);
  if (significant) return 'changed';
  const last = p.lastCheckTime ? Date.parse(p.lastCheckTime) : NaN;
  if (Number.isNaN(last) || now.getTime() - last >= heartbeatMs) return 'heartbeat';
  return 'none';
}

/**
 * The status object the controller applies: every owned field that has a value, and only those (a field
 * left out is removed by the apply). The conditions list holds UpToDate and Healthy; Ready stays the
 * operator's.
 */
export function appliedStatus(owned: OwnedStatus): ImageStatus {
  return {
    ...(owned.tag !== undefined ? { tag: owned.tag } : {}),
    ...(owned.digest !== undefined ? { digest: owned.digest } : {}),
    result: owned.result,
    message: owned.message,
    lastCheckTime: owned.lastCheckTime,
    ...(owned.nextCheckTime !== undefined ? { nextCheckTime: owned.nextCheckTime } : {}),
    history: owned.history,
    conditions: owned.healthy ? [owned.upToDate, owned.healthy] : [owned.upToDate],
    ...(owned.rollout !== undefined ? { rollout: owned.rollout } : {}),
    ...(owned.pending !== undefined ? { pending: owned.pending } : {}),
    ...(owned.rejected?.length ? { rejected: owned.rejected } : {}),
    ...(owned.pods !== undefined ? { pods: owned.pods } : {}),
    ...(owned.waiting !== undefined ? { waiting: owned.waiting } : {}),
    ...(owned.firstSeen?.length ? { firstSeen: owned.firstSeen } : {}),
    ...(owned.holds?.length ? { holds: owned.holds } : {}),
  };
}
