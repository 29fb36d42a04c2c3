// What the actions of a change are handed, and the rollout the health gate follows afterwards. Pure:
// the evaluation runs the actions and writes the status.
import type { Image, ImageRule } from '../../crds/index.js';
import type { ActionsOutcome } from '../actions/run.js';
import type { Change } from '../actions/types.js';
import { startRollout } from '../health/gate.js';
import type { Checked } from './check.js';
import { ruleName } from './decide.js';
import type { PodTruthResult } from './pod-truth.js';
import type { PendingActions } from './resume.js';

/** The change `pending` (a new decision, or a retry from `pending.from`) carries out. */
export function changeFor(
  image: Image,
  rule: ImageRule,
  pending: PendingActions,
  checked: Checked,
  now: Date,
  truth: PodTruthResult | undefined,
  held: ReadonlySet<string>,
): Change {
  return {
    image,
    repository: checked.repository,
    previousTag: pending.previousTag,
    tag: pending.tag,
    digest: pending.digest,
    pinDigest: rule.type === 'digest',
    rule: pending.rule,
    time: now,
    availableTags: checked.tags,
    // Compared with the digest this change moves to; a retry may act on another one.
    ...(truth && truth.status.digest === pending.digest ? { pods: truth } : {}),
    held,
  };
}

/**
 * Between changes: the restart of workloads running a stale digest of the current tag (Pods started
 * before Tagpilot saw the digest, or a restart someone else interrupted). Workloads a restart for this
 * digest already rolled are left alone (restart.ts), so this never loops.
 */
export function staleChange(
  image: Image,
  rule: ImageRule,
  checked: Checked,
  now: Date,
  truth: PodTruthResult,
  held: ReadonlySet<string>,
): Change {
  return {
    image,
    repository: checked.repository,
    previousTag: checked.current,
    tag: checked.current,
    digest: checked.digest,
    pinDigest: rule.type === 'digest',
    rule: ruleName(rule),
    time: now,
    availableTags: checked.tags,
    pods: truth,
    held,
  };
}

/** The rollout the health gate follows after apply changed workloads (none when nothing was applied). */
export function rolloutAfter(
  image: Image,
  ran: PendingActions | undefined,
  actions: ActionsOutcome | undefined,
  now: Date,
) {
  if (!ran || !actions || actions.applied.length === 0) return undefined;
  const s = image.status;
  const previousDigest =
    s?.tag === ran.previousTag ? s?.digest : s?.history?.find((h) => h.tag === ran.previousTag)?.digest;
  const change = {
    tag: ran.tag,
    ...(ran.digest ? { digest: ran.digest } : {}),
    rule: ran.rule,
    ...(ran.previousTag ? { previousTag: ran.previousTag } : {}),
    ...(previousDigest ? { previousDigest } : {}),
  };
  return startRollout(image, change, actions.applied, now);
}
