// Pure status bookkeeping: from the previous status and what a check found to the next status, whether
// that is worth a write, and the merge patch that writes only the controller's fields.
//
// Ownership: the operator owns conditions[type=Ready]; the controller owns tag, digest, result, message,
// lastCheckTime, nextCheckTime, observedGeneration, history and conditions[type=UpToDate]. A JSON merge
// patch replaces lists whole, so the conditions list is rebuilt from the freshest object (other types kept
// as they are) and the patch carries that object's resourceVersion: a concurrent write makes it fail with
// 409 instead of silently dropping the other writer's condition.
//
// Writes: a check that changes nothing but the times does not write, except once per heartbeat interval
// (so `lastCheckTime` stays roughly current without one write per Image per tick; see docs/controller.md).
import type { Condition, Image, ImageHistoryEntry, ImageResult, ImageStatus } from '../../crds/index.js';

export const UP_TO_DATE = 'UpToDate';
export const HISTORY_LIMIT = 10;

export type ConditionStatus = Condition['status'];

export interface UpToDateState {
  status: ConditionStatus;
  reason: string;
  message: string;
}

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
}

/** The controller's part of the status. Undefined fields are removed from the object when written. */
export interface OwnedStatus {
  tag: string | undefined;
  digest: string | undefined;
  result: ImageResult;
  message: string;
  lastCheckTime: string;
  nextCheckTime: string | undefined;
  observedGeneration: number | undefined;
  history: ImageHistoryEntry[];
  upToDate: Condition;
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function appendHistory(
  history: readonly ImageHistoryEntry[] | undefined,
  entry: ImageHistoryEntry,
  limit = HISTORY_LIMIT,
): ImageHistoryEntry[] {
  return [entry, ...(history ?? [])].slice(0, limit);
}

export function findCondition(status: ImageStatus | undefined, type: string): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** A condition with lastTransitionTime kept when its status did not change. */
export function nextCondition(
  previous: Condition | undefined,
  type: string,
  state: UpToDateState,
  generation: number | undefined,
  now: Date,
): Condition {
  const transitioned = previous?.status !== state.status;
  return {
    type,
    status: state.status,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    lastTransitionTime: !transitioned && previous ? previous.lastTransitionTime : iso(now),
    reason: state.reason,
    message: state.message,
  };
}

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
        time: iso(now),
      })
    : [...(previous?.history ?? [])];
  return {
    tag: report.tag,
    digest: report.digest,
    result: report.result,
    message: report.message,
    lastCheckTime: iso(now),
    nextCheckTime: report.nextCheckTime ? iso(report.nextCheckTime) : undefined,
    observedGeneration: generation,
    history,
    upToDate: nextCondition(
      findCondition(previous, UP_TO_DATE),
      UP_TO_DATE,
      report.upToDate,
      generation,
      now,
    ),
  };
}

function sameCondition(a: Condition | undefined, b: Condition): boolean {
  return (
    a !== undefined &&
    a.status === b.status &&
    a.reason === b.reason &&
    a.message === b.message &&
    a.observedGeneration === b.observedGeneration
  );
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
    p.observedGeneration !== next.observedGeneration ||
    !sameHistory(p.history, next.history) ||
    !sameCondition(findCondition(previous, UP_TO_DATE), next.upToDate) ||
    // A schedule appearing or disappearing is news; the next time moving along is not.
    (p.nextCheckTime === undefined) !== (next.nextCheckTime === undefined);
  if (significant) return 'changed';
  const last = p.lastCheckTime ? Date.parse(p.lastCheckTime) : NaN;
  if (Number.isNaN(last) || now.getTime() - last >= heartbeatMs) return 'heartbeat';
  return 'none';
}

/** The conditions list of `fresh` with ours put in place (same position when present, else appended). */
export function mergeConditions(fresh: readonly Condition[] | undefined, ours: Condition): Condition[] {
  const list = [...(fresh ?? [])];
  const at = list.findIndex((c) => c.type === ours.type);
  if (at === -1) list.push(ours);
  else list[at] = ours;
  return list;
}

/**
 * JSON merge patch for the status subresource: our fields (null removes one), the conditions list
 * rebuilt on `fresh`, and fresh's resourceVersion as a precondition.
 */
export function statusPatch(fresh: Image, owned: OwnedStatus): Record<string, unknown> {
  return {
    metadata: { resourceVersion: fresh.metadata.resourceVersion },
    status: {
      tag: owned.tag ?? null,
      digest: owned.digest ?? null,
      result: owned.result,
      message: owned.message,
      lastCheckTime: owned.lastCheckTime,
      nextCheckTime: owned.nextCheckTime ?? null,
      observedGeneration: owned.observedGeneration ?? null,
      history: owned.history,
      conditions: mergeConditions(fresh.status?.conditions, owned.upToDate),
    },
  };
}
