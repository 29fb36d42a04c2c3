// Failed and Recovered alerts: one when an Image's checks start failing, one when they work again, however
// many ticks lie between. A "failure" is a result the operator's Ready condition is False for
// (domain/image/results.ts), so the alerts and `kubectl wait --for=condition=Ready` always agree.
//
// Level-based, like the rest of the evaluation: the alert is decided from the status as it is stored
// and the result about to be written, and it is sent BEFORE that status write. A controller that dies in
// between sees the same transition again after its restart (or the new leader does) and computes the
// same alert identity, so the alert record on the Image (controller/alerts/dedupe.ts) stops a second
// send. Ticks that stay failing are no transition and send nothing, whatever their message says.
import {
  clipMessage,
  findCondition,
  type Image,
  type ImageResult,
  type ImageStatus,
} from '../../crds/index.js';
import { isFailedResult } from '../../domain/image/results.js';
import { alertThrough } from '../actions/alert.js';
import type { ActionDeps } from '../actions/types.js';
import type { CheckReport } from './status.js';

export interface FailureTransition {
  event: 'Failed' | 'Recovered';
  /**
   * Identity of the episode, the same for every controller that sees this transition: when the stored
   * status was last checked. A check that succeeds between two failures writes a newer time, so the next
   * failure is a new episode.
   */
  episode: string;
}

/** Whether writing `next` over the stored `previous` status starts or ends a failure, and which. */
export function failureTransition(
  previous: ImageStatus | undefined,
  next: ImageResult,
): FailureTransition | undefined {
  const was = isFailedResult(previous?.result);
  const is = isFailedResult(next);
  if (was === is) return undefined;
  return { event: is ? 'Failed' : 'Recovered', episode: previous?.lastCheckTime ?? '' };
}

/** Whether any rule of the Image sends alerts: without one there is nobody to tell. */
function alertActions(image: Image) {
  return image.spec.rules.flatMap((r) => r.actions.filter((a) => a.type === 'alert'));
}

/**
 * Sends the Failed or Recovered alert when `result` (with `message`) starts or ends a failure of
 * `image`, through every AlertConfig its alert actions name (each filters by its spec.events).
 */
export async function alertOnFailureTransition(
  image: Image,
  report: Pick<CheckReport, 'result' | 'message' | 'tag' | 'digest'>,
  deps: ActionDeps,
  now: Date,
): Promise<FailureTransition | undefined> {
  const transition = failureTransition(image.status, report.result);
  const actions = alertActions(image);
  if (!transition || actions.length === 0) return transition;
  const status = image.status;
  const since = findCondition(status?.conditions, 'Ready');
  const reason = clipMessage(
    transition.event === 'Failed'
      ? report.message
      : `${since?.status === 'False' ? `Failing since ${since.lastTransitionTime}` : 'It was failing'} (${status?.result ?? 'failed'}); now: ${report.message}`,
  );
  await alertThrough(
    actions,
    {
      image,
      repository: image.spec.image,
      previousTag: report.tag,
      tag: report.tag ?? '(none)',
      digest: report.digest,
      pinDigest: false,
      rule: '',
      time: now,
      availableTags: [],
      event: transition.event,
      reason,
      episode: transition.episode,
    },
    deps,
  );
  return transition;
}
