// The resume/retry state of the actions of a change. A change runs its rule's actions in order; when one
// fails, the status records the decided tag with ActionError, and the failed action (and those after it)
// run again later: at once on the queue's retry when the failure was transient, else on a manual refresh.
// Which action to resume at lives only in memory; after a controller restart a refresh re-runs every
// action of the last change (apply is idempotent).
import type { Image } from '../../crds/index.js';
import type { ActionsOutcome } from '../actions/run.js';
import type { Checked } from './check.js';
import { upToDateOf } from './status.js';

/** A change whose actions did not all succeed: a retry resumes at the failed action. */
export interface PendingActions {
  tag: string;
  digest: string | undefined;
  rule: string;
  /** Index of the first action to run. */
  from: number;
  retriable: boolean;
  previousTag: string | undefined;
}

/**
 * Whether the actions of the last recorded change failed and were not completed since: the UpToDate
 * condition says ActionFailed (it survives failed checks and restarts), and no newer tag was recorded.
 * With `checked`, also that the registry still points status.tag at the recorded digest.
 */
export function failedActionsPending(image: Image, checked: Checked | undefined): boolean {
  const s = image.status;
  const last = s?.history?.[0];
  return (
    upToDateOf(s)?.reason === 'ActionFailed' &&
    last !== undefined &&
    last.tag === s?.tag &&
    (checked === undefined || (checked.current === s.tag && checked.digest === s.digest))
  );
}

export class PendingActionsStore {
  private readonly pending = new Map<string, PendingActions>();

  forget(key: string): void {
    this.pending.delete(key);
  }

  /**
   * Failed actions to run again in this evaluation: after a retriable failure (the queue's retry), or on
   * a manual refresh. Nothing remembered (a restart): a refresh on an Image whose last change's actions
   * failed re-runs them all.
   */
  resumable(key: string, image: Image, manual: boolean): PendingActions | undefined {
    const remembered = this.pending.get(key);
    const status = image.status;
    if (remembered) {
      if (remembered.tag !== status?.tag || remembered.digest !== status?.digest) {
        this.pending.delete(key);
        return undefined;
      }
      return remembered.retriable || manual ? remembered : undefined;
    }
    const last = status?.history?.[0];
    if (manual && last?.rule && failedActionsPending(image, undefined)) {
      return {
        tag: last.tag,
        digest: status?.digest,
        rule: last.rule,
        from: 0,
        retriable: true,
        previousTag: status?.history?.[1]?.tag,
      };
    }
    return undefined;
  }

  /** Remembers where to resume after `actions` ran for `pending` (nothing when they all succeeded). */
  record(key: string, pending: PendingActions, actions: ActionsOutcome): void {
    if (actions.ok) this.pending.delete(key);
    else this.pending.set(key, { ...pending, from: actions.failedIndex ?? 0, retriable: actions.retriable });
  }
}
