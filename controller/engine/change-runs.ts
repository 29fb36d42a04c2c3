// Running the actions an evaluation decided: those of a change (a new decision, or a retry resumed from
// where the last run stopped) and the restarts for Pods that run a stale digest between changes.
// change-actions.ts builds what the actions are handed; this runs them and remembers where a retry resumes.
import type { Image, ImageRule } from '../../crds/index.js';
import { runActions, type ActionsOutcome } from '../actions/run.js';
import type { ActionDeps } from '../actions/types.js';
import { changeFor, staleChange } from './change-actions.js';
import type { Checked } from './check.js';
import type { PodTruthResult } from './pod-truth.js';
import type { PendingActions, PendingActionsStore } from './resume.js';

export interface ChangeRunsDeps {
  actions: ActionDeps;
  pending: PendingActionsStore;
  now: () => Date;
}

export class ChangeRuns {
  constructor(private readonly deps: ChangeRunsDeps) {}

  /** Runs the rule's actions from `pending.from` and remembers where a retry resumes. */
  async run(
    key: string,
    image: Image,
    rule: ImageRule,
    pending: PendingActions,
    checked: Checked,
    truth: PodTruthResult | undefined,
    held: ReadonlySet<string>,
  ): Promise<ActionsOutcome> {
    const actions = await runActions(
      rule.actions,
      changeFor(image, rule, pending, checked, this.deps.now(), truth, held),
      this.deps.actions,
      pending.from,
    );
    this.deps.pending.record(key, pending, actions);
    return actions;
  }

  /**
   * Between changes: the restart actions of `rule` for workloads running a stale digest of the current
   * tag (Pods started before Tagpilot saw the digest, or a restart someone else interrupted). Workloads
   * a restart for this digest already rolled are left alone (restart.ts), so this never loops.
   */
  async restartStale(
    image: Image,
    rule: ImageRule,
    checked: Checked,
    truth: PodTruthResult,
    held: ReadonlySet<string>,
  ): Promise<ActionsOutcome> {
    return runActions(
      rule.actions.filter((a) => a.type === 'restart'),
      staleChange(image, rule, checked, this.deps.now(), truth, held),
      this.deps.actions,
    );
  }
}
