// Runs the actions of the winning rule in order and stops at the first failure, so a later action never
// acts on a half-done earlier one. Each action records an Event on the Image.
import { imageTarget } from '../kube/events.js';
import type { ImageAction } from '../../crds/index.js';
import { applyAction } from './apply.js';
import { alertAction } from './alert.js';
import { restartAction } from './restart.js';
import type { ActionDeps, ActionResult, AppliedWorkload, Change, RunState } from './types.js';

export interface ActionsOutcome {
  ok: boolean;
  /** Summaries of the actions that ran, in order. */
  summaries: string[];
  /** Index (in the rule's actions) of the action that failed. */
  failedIndex?: number;
  /** Whether retrying the failed action later may help. */
  retriable: boolean;
  /** What apply changed (empty without an apply action, or when it changed nothing). */
  applied: AppliedWorkload[];
}

const EVENT_REASON: Record<ImageAction['type'], [ok: string, failed: string]> = {
  apply: ['Applied', 'ApplyFailed'],
  restart: ['Restarted', 'RestartFailed'],
  alert: ['AlertSent', 'AlertNotSent'],
};

async function runOne(
  action: ImageAction,
  change: Change,
  deps: ActionDeps,
  state: RunState,
): Promise<ActionResult> {
  switch (action.type) {
    case 'apply':
      return applyAction(change, deps, state);
    case 'restart':
      return restartAction(change, deps, state);
    case 'alert':
      return alertAction(action, change, deps);
  }
}

/** Runs `actions` from index `from` (a retry resumes at the action that failed). */
export async function runActions(
  actions: readonly ImageAction[],
  change: Change,
  deps: ActionDeps,
  from = 0,
): Promise<ActionsOutcome> {
  const state: RunState = { patched: new Set(), applied: [] };
  const summaries: string[] = [];
  for (let i = from; i < actions.length; i++) {
    const action = actions[i]!;
    const result = await runOne(action, change, deps, state);
    summaries.push(result.summary);
    const [okReason, failedReason] = EVENT_REASON[action.type];
    if (!result.eventsRecorded)
      await deps.events.record(
        imageTarget(change.image),
        result.ok ? 'Normal' : 'Warning',
        result.ok ? okReason : failedReason,
        result.summary,
      );
    if (!result.ok)
      return { ok: false, summaries, failedIndex: i, retriable: result.retriable, applied: state.applied };
  }
  return { ok: true, summaries, retriable: false, applied: state.applied };
}
