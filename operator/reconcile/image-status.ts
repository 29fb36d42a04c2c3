// The operator's part of an Image's status: `conditions[type=Ready]`, `conditions[type=Stalled]` and
// `observedGeneration`. The controller owns everything else (tag, digest, result, history, UpToDate, …);
// both write with server-side apply under their own field manager, so neither removes the other's fields.
//
// Ready has this one writer, and it follows the controller's last check (status.result): the operator
// reconciles every status change the controller writes, so Ready turns False with the failed result as
// reason while the checks fail and True again on the first success (docs/operator.md#reconcilers-leader-only).
// Stalled (kstatus: progress needs a human) is written only while it is True; leaving it out of the apply
// removes it.
import {
  findCondition,
  formatErrors,
  sameCondition,
  setCondition,
  type Condition,
  type DesiredCondition,
  type Image,
} from '../../crds/index.js';
import { imageErrors } from '../../domain/image/validate.js';
import { isFailedResult } from '../../domain/image/results.js';

export const READY = 'Ready';
export const STALLED = 'Stalled';

/** Ready reasons that no retry can clear: the spec (or an object it names) must change. */
const STALLED_REASONS: ReadonlySet<string> = new Set(['InvalidSpec', 'AlertConfigNotFound', 'RuleError']);

export const ImageReasons = {
  Valid: 'Valid',
  Suspended: 'Suspended',
  InvalidSpec: 'InvalidSpec',
  AlertConfigNotFound: 'AlertConfigNotFound',
} as const;

/** What Ready should say about this Image, given the AlertConfigs of its namespace. */
export function imageReadiness(image: Image, alertConfigs: ReadonlySet<string>): DesiredCondition {
  const errors = imageErrors(image);
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

export interface OwnedStatus {
  observedGeneration?: number;
  conditions: Condition[];
}

/**
 * The operator-owned status to apply (Ready, and Stalled when `ready` calls for it), or undefined when
 * what is stored already says it.
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
  const stalledWanted = imageStalled(desired);
  const stalledNow = findCondition(stored, STALLED);
  const stalled = stalledWanted && setCondition(stalledNow, stalledWanted, generation, now);
  const stalledSame = stalled ? sameCondition(stalledNow, stalled) : stalledNow === undefined;
  if (sameCondition(current, next) && stalledSame && image.status?.observedGeneration === generation) {
    return undefined;
  }
  return {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    conditions: stalled ? [next, stalled] : [next],
  };
}
