// What the status says after a check: the result, the message a user reads, and the UpToDate condition.
// Pure text and bookkeeping; every message is clipped to the one limit (crds/conditions.ts).
import { REFRESH_ANNOTATION, clipMessage, type Image } from '../../crds/index.js';
import type { ActionsOutcome } from '../actions/run.js';
import type { HealthUpdate } from '../health/gate.js';
import type { Checked } from './check.js';
import type { StatusClassified } from './classify.js';
import type { RulesChange } from './decide.js';
import { upToDateOf, type CheckReport, type UpToDateState } from './status.js';

/** The command that asks for one evaluation of `image` now. */
export function refreshHint(image: Pick<Image, 'metadata'>): string {
  const { name = '', namespace = 'default' } = image.metadata;
  return `kubectl annotate image ${name} -n ${namespace} ${REFRESH_ANNOTATION}=now`;
}

const shortDigest = (d: string | undefined) => (d ? d.replace(/^(sha256:)?(.{12}).*$/, '$1$2') : '(none)');

/** The first line of a change: what moved where, by which rule. */
export function changeHeadline(image: Image, checked: Checked, outcome: RulesChange): string {
  return outcome.digestRule
    ? `${outcome.tag} moved from ${shortDigest(image.status?.digest)} to ${shortDigest(checked.digest)} (rule "${outcome.ruleName}")`
    : `${image.status?.tag ?? checked.current} → ${outcome.tag} (rule "${outcome.ruleName}")`;
}

/** A failed check: tag and digest stay, UpToDate stays as it was (a failed check does not flip it). */
export function failedCheckReport(
  image: Image,
  c: StatusClassified,
  nextCheckTime: Date | undefined,
): CheckReport {
  const previous = upToDateOf(image.status);
  return {
    result: c.result,
    message: clipMessage(c.message),
    tag: image.status?.tag,
    digest: image.status?.digest,
    upToDate: previous
      ? { status: previous.status, reason: previous.reason, message: previous.message }
      : { status: 'Unknown', reason: 'CheckFailed', message: 'not checked successfully yet' },
    nextCheckTime,
  };
}

/** After the actions of a change (or their retry) ran: Success, or ActionError naming the failed one. */
export function actionsReport(
  image: Image,
  checked: Checked,
  headline: string,
  actions: ActionsOutcome,
  nextCheckTime: Date | undefined,
): CheckReport {
  const tag = checked.outcome.kind === 'change' ? checked.outcome.tag : checked.current;
  if (actions.ok) {
    return {
      result: 'Success',
      message: clipMessage([headline, ...actions.summaries].join('; ')),
      tag,
      digest: checked.digest,
      upToDate: { status: 'True', reason: 'Applied', message: `the actions for ${tag} succeeded` },
      nextCheckTime,
    };
  }
  const failed = actions.summaries.at(-1) ?? 'an action failed';
  const next = actions.retriable
    ? 'Tagpilot retries the failed action with backoff'
    : `fix the cause, then run "${refreshHint(image)}" to retry the failed action`;
  const earlier =
    actions.summaries.length > 1 ? `; earlier: ${actions.summaries.slice(0, -1).join('; ')}` : '';
  return {
    result: 'ActionError',
    message: clipMessage(
      `${headline}; status.tag is ${tag}, the decided tag, but action ${(actions.failedIndex ?? 0) + 1} failed: ${failed}; the actions after it did not run; ${next}${earlier}`,
    ),
    tag,
    digest: checked.digest,
    upToDate: { status: 'False', reason: 'ActionFailed', message: failed },
    nextCheckTime,
  };
}

/** A change: the actions' report plus the history entry. */
export function changeReport(
  image: Image,
  checked: Checked,
  outcome: RulesChange,
  headline: string,
  actions: ActionsOutcome,
  nextCheckTime: Date | undefined,
): CheckReport {
  const report = actionsReport(image, checked, `${headline}: ${outcome.reason}`, actions, nextCheckTime);
  return {
    ...report,
    change: {
      tag: outcome.tag,
      ...(checked.digest ? { digest: checked.digest } : {}),
      rule: outcome.ruleName,
    },
  };
}

/**
 * The last change's actions failed and are not retried now: the Image stays in ActionError (a quiet tick
 * must not turn it into Success) until a retry, a refresh or a newer change.
 */
export function stillFailedReport(
  image: Image,
  checked: Checked,
  nextCheckTime: Date | undefined,
): CheckReport {
  const failed = upToDateOf(image.status)!;
  const kept = image.status?.result === 'ActionError' ? image.status.message : undefined;
  return {
    result: 'ActionError',
    message:
      kept ||
      clipMessage(
        `status.tag is ${checked.current}, the decided tag, but an action failed: ${failed.message}; run "${refreshHint(image)}" to retry it`,
      ),
    tag: checked.current,
    digest: checked.digest,
    upToDate: { status: failed.status, reason: failed.reason, message: failed.message },
    nextCheckTime,
  };
}

/** A check that found nothing new. */
export function quietReport(
  image: Image,
  checked: Checked,
  reasons: string[],
  nextCheckTime: Date | undefined,
): CheckReport {
  const s = image.status;
  if (s?.result === 'RolledBack' && s.message && s.tag === checked.current) {
    // The rollback stays the news until something newer happens.
    return {
      result: 'RolledBack',
      message: s.message,
      tag: checked.current,
      digest: checked.digest,
      upToDate: keptUpToDate(image, checked.current),
      nextCheckTime,
    };
  }
  return {
    result: 'Success',
    message: quietMessage(image, checked, reasons),
    tag: checked.current,
    digest: checked.digest,
    upToDate: keptUpToDate(image, checked.current),
    nextCheckTime,
  };
}

/**
 * The message of a check that found nothing new. After a successful change the message keeps telling
 * that change (what was decided and done) until something newer or an error replaces it: the reasons
 * why nothing is newer are the same on every tick, and rewriting the status for them would cost one
 * write per Image after every update. Without a change to tell, it says why nothing is newer.
 */
function quietMessage(image: Image, checked: Checked, reasons: string[]): string {
  const s = image.status;
  const last = s?.history?.[0];
  // A candidate skipped for minTagAge is news the user waits for: say so rather than the old change.
  const keep =
    checked.young.length === 0 &&
    !s?.waiting &&
    s?.result === 'Success' &&
    s.message !== undefined &&
    !s.message.startsWith('no update') &&
    s.tag === checked.current &&
    s.digest === checked.digest &&
    last?.tag === checked.current;
  return keep ? s.message! : clipMessage(`no update: ${reasons.join('; ')}`);
}

/** The condition after a check that found nothing new: as it was, or True when there was none. */
function keptUpToDate(image: Image, tag: string): UpToDateState {
  const previous = upToDateOf(image.status);
  if (previous && previous.status !== 'Unknown') {
    return { status: previous.status, reason: previous.reason, message: previous.message };
  }
  return { status: 'True', reason: 'NoUpdate', message: `no newer tag than ${tag}` };
}

/** First sight of a manual-only Image: it waits for the refresh annotation. */
export function scheduledReport(image: Image, nextCheckTime: Date | undefined): CheckReport {
  return {
    result: 'Scheduled',
    message: `waiting for "${refreshHint(image)}": this Image has only manual triggers`,
    tag: image.status?.tag,
    digest: image.status?.digest,
    upToDate: { status: 'Unknown', reason: 'NotChecked', message: 'not checked yet' },
    nextCheckTime,
  };
}

/**
 * A step of the health gate: the check's part of the status stays as it is, except after a rollback,
 * when status.tag and digest go back to the previous tag and the result says what happened.
 */
export function healthReport(image: Image, u: HealthUpdate): CheckReport {
  const s = image.status;
  const up = upToDateOf(s);
  const health = {
    rollout: u.rollout,
    healthy: u.healthy,
    ...(u.rejected ? { rejected: u.rejected } : {}),
  };
  const nextCheckTime = s?.nextCheckTime ? new Date(s.nextCheckTime) : undefined;
  if (u.rolledBack) {
    const tag = u.rolledBack.tag ?? s?.tag;
    return {
      result: 'RolledBack',
      message: clipMessage(u.rolledBack.message),
      tag,
      digest: u.rolledBack.tag !== undefined ? u.rolledBack.digest : s?.digest,
      upToDate: {
        status: 'True',
        reason: 'RolledBack',
        message: `the workloads run ${tag ?? 'the previous tag'} again`,
      },
      nextCheckTime,
      ...health,
    };
  }
  return {
    result: s?.result ?? 'Success',
    message: s?.message ?? '',
    tag: s?.tag,
    digest: s?.digest,
    upToDate: up
      ? { status: up.status, reason: up.reason, message: up.message }
      : { status: 'Unknown', reason: 'NotChecked', message: 'not checked yet' },
    nextCheckTime,
    ...health,
  };
}
