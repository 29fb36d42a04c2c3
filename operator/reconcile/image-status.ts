// The operator's part of an Image's status: `conditions[type=Ready]`, `conditions[type=Stalled]` and
// `observedGeneration`. The controller owns everything else (tag, digest, result, history, UpToDate, …);
// both write with server-side apply under their own field manager, so neither removes the other's fields.
//
// Ready has this one writer, and it follows the controller's last check (status.result): the operator
// reconciles every status change the controller writes, so Ready turns False with the failed result as
// reason while the checks fail and True again on the first success (docs/operator.md#reconcilers-leader-only).
// Stalled (kstatus: progress needs a human) and Reconciling (kstatus: Tagpilot is still working toward
// the spec: it has not evaluated this generation yet, or the health gate follows a rollout) are written
// only while True; leaving one out of the apply removes it. The operator writes both, from what the
// controller recorded, so the kstatus conditions have one writer and the controller keeps to its own
// fields (docs/safe-updates.md#status-reference).
import {
  findCondition,
  formatErrors,
  sameCondition,
  setCondition,
  type Condition,
  type DesiredCondition,
  type FieldError,
  type Image,
} from '../../crds/index.js';
import { imageErrors } from '../../domain/image/validate.js';
import { isFailedResult } from '../../domain/image/results.js';

export const READY = 'Ready';
/** The controller's condition; its observedGeneration says which spec the controller last evaluated. */
const UP_TO_DATE = 'UpToDate';
export const STALLED = 'Stalled';
export const RECONCILING = 'Reconciling';

/** Ready reasons that no retry can clear: the spec (or an object it names) must change. */
const STALLED_REASONS: ReadonlySet<string> = new Set(['InvalidSpec', 'AlertConfigNotFound', 'RuleError']);

export const ImageReasons = {
  Valid: 'Valid',
  Suspended: 'Suspended',
  InvalidSpec: 'InvalidSpec',
  AlertConfigNotFound: 'AlertConfigNotFound',
} as const;

/**
 * What Ready should say about this Image, given the AlertConfigs of its namespace. `errors`: the spec's
 * validation errors when the caller already has them (they change only with metadata.generation).
 */
export function imageReadiness(
  image: Image,
  alertConfigs: ReadonlySet<string>,
  errors: readonly FieldError[] = imageErrors(image),
): DesiredCondition {
  if (errors.length > 0) {
    return {
      type: READY,
      status: 'False',
      reason: ImageReasons.InvalidSpec,
      message: `${formatErrors(errors)}. The controller does not check this Image until the spec is fixed.`,
    };
  }
  const missing: string[] = [];
  image.spec.rules.forEach((rule, i) =>
    rule.actions.forEach((action, j) => {
      const ref = action.alertConfigRef?.name;
      if (ref !== undefined && !alertConfigs.has(ref)) {
        missing.push(
          `spec.rules[${i}].actions[${j}].alertConfigRef: AlertConfig "${ref}" not found in namespace ${image.metadata.namespace ?? ''}`,
        );
      }
    }),
  );
  if (missing.length > 0) {
    return {
      type: READY,
      status: 'False',
      reason: ImageReasons.AlertConfigNotFound,
      message: `${missing.join('; ')}. Create it or fix the reference; alerts through it cannot be sent.`,
    };
  }
  if (image.spec.suspend) {
    return {
      type: READY,
      status: 'True',
      reason: ImageReasons.Suspended,
      message: 'The spec is valid; checks are suspended (spec.suspend is true).',
    };
  }
  const result = image.status?.result;
  // Ready says False with the failed result as reason until a check succeeds.
  if (isFailedResult(result)) {
    return {
      type: READY,
      status: 'False',
      reason: result,
      message: `The last check failed: ${image.status?.message ?? result}`,
    };
  }
  return {
    type: READY,
    status: 'True',
    reason: ImageReasons.Valid,
    message:
      // RolledBack: the check worked; the health gate's verdict is the Healthy condition.
      result === 'Success' || result === 'RolledBack'
        ? 'The spec is valid and the last check succeeded.'
        : 'The spec is valid; the controller has not checked the registry yet.',
  };
}

/** Stalled=True while Ready is False for a reason only a spec change clears; undefined otherwise. */
export function imageStalled(ready: DesiredCondition): DesiredCondition | undefined {
  if (ready.status !== 'False' || !STALLED_REASONS.has(ready.reason)) return undefined;
  return { type: STALLED, status: 'True', reason: ready.reason, message: ready.message };
}

/**
 * Reconciling=True while the controller has not caught up with the spec: it has not evaluated this
 * generation yet (its UpToDate condition names an older one, or there is none), or the health gate is
 * following a rollout (status.rollout). Undefined otherwise, and for Images nobody is working on: a
 * suspended one, or one that Stalled (a human must act first).
 */
export function imageReconciling(image: Image, ready: DesiredCondition): DesiredCondition | undefined {
  if (image.spec.suspend || imageStalled(ready) || ready.reason === ImageReasons.InvalidSpec)
    return undefined;
  const rollout = image.status?.rollout;
  if (rollout) {
    return {
      type: RECONCILING,
      status: 'True',
      reason: rollout.phase === 'RollingBack' ? 'RollingBack' : 'RolloutInProgress',
      message:
        rollout.phase === 'RollingBack'
          ? `rolling back ${rollout.tag}: ${rollout.reason ?? 'not healthy'}`
          : `following the rollout of ${rollout.tag} until ${rollout.deadline} (condition Healthy)`,
    };
  }
  const generation = image.metadata.generation;
  if (generation === undefined) return undefined;
  const evaluated = findCondition(image.status?.conditions, UP_TO_DATE);
  if (evaluated === undefined) {
    return {
      type: RECONCILING,
      status: 'True',
      reason: 'NotChecked',
      message: 'the controller has not evaluated this Image yet',
    };
  }
  // A manual-only Image is evaluated when someone asks (the refresh annotation), not because its spec
  // changed: waiting for that is its normal state, not work in progress.
  const manualOnly = image.spec.triggers.length > 0 && image.spec.triggers.every((t) => t.type === 'manual');
  if (!manualOnly && (evaluated.observedGeneration ?? 0) < generation) {
    return {
      type: RECONCILING,
      status: 'True',
      reason: 'NewGeneration',
      message: `the controller has not evaluated generation ${generation} of the spec yet (last: ${evaluated.observedGeneration ?? 'unknown'})`,
    };
  }
  return undefined;
}

export interface OwnedStatus {
  observedGeneration?: number;
  conditions: Condition[];
}

/**
 * The operator-owned status to apply (Ready, and Stalled or Reconciling while they are True), or
 * undefined when what is stored already says it.
 */
export function imageStatusUpdate(
  image: Image,
  desired: DesiredCondition,
  now: Date,
): OwnedStatus | undefined {
  const generation = image.metadata.generation;
  const stored = image.status?.conditions;
  const current = findCondition(stored, desired.type);
  const next = setCondition(current, desired, generation, now);
  let same = sameCondition(current, next) && image.status?.observedGeneration === generation;
  const conditions = [next];
  // Conditions present only while True: written when wanted, left out (so removed) when not.
  for (const [type, wanted] of [
    [STALLED, imageStalled(desired)],
    [RECONCILING, imageReconciling(image, desired)],
  ] as const) {
    const was = findCondition(stored, type);
    const set = wanted && setCondition(was, wanted, generation, now);
    if (set) conditions.push(set);
    same &&= set ? sameCondition(was, set) : was === undefined;
  }
  if (same) return undefined;
  return {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    conditions,
  };
}
