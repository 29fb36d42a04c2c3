// The operator's part of an Image's status: `conditions[type=Ready]` and `observedGeneration`. The
// controller owns everything else (tag, digest, result, history, UpToDate, …); both write with
// server-side apply under their own field manager, so neither removes the other's fields.
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

export const READY = 'Ready';

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
  return { type: READY, status: 'True', reason: ImageReasons.Valid, message: 'The spec is valid.' };
}

export interface OwnedStatus {
  observedGeneration?: number;
  conditions: Condition[];
}

/** The operator-owned status to apply, or undefined when what is stored already says it. */
export function imageStatusUpdate(
  image: Image,
  desired: DesiredCondition,
  now: Date,
): OwnedStatus | undefined {
  const generation = image.metadata.generation;
  const current = findCondition(image.status?.conditions, desired.type);
  const next = setCondition(current, desired, generation, now);
  if (sameCondition(current, next) && image.status?.observedGeneration === generation) return undefined;
  return { ...(generation !== undefined ? { observedGeneration: generation } : {}), conditions: [next] };
}
