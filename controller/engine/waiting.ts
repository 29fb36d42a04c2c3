// Update windows in an evaluation (docs/safe-updates.md): decisions are made whenever the Image is
// evaluated, but the actions of a decision run only while a window of spec.updateWindows is open. A
// decision outside every window is recorded in status.waiting (never in status.tag/digest, which the
// admission webhook pins and apply writes), and the evaluation asks the queue to come back when the
// next window opens. Level-based: every evaluation derives the gate from the spec and the clock, so a
// restarted controller re-arms the wake-up on its first evaluation of the Image.
import { clipMessage, conditionTime, type Image, type ImageWaiting } from '../../crds/index.js';
import { parseWindows, windowState } from '../../domain/schedule/window.js';
import type { Checked } from './check.js';
import type { RulesChange } from './decide.js';
import type { Logger } from '../../common/logger.js';
import { imageTarget, type EventRecorder } from '../kube/events.js';
import type { CheckReport } from './status.js';

/** Longest single wait handed to the queue (a timer past ~24.8 days overflows); a shorter one re-arms. */
export const MAX_WAKE_MS = 86_400_000;

/** Undefined when actions may run now (no windows, or one is open); else when the next one opens. */
export function closedWindow(image: Image, now: Date): { opensAt: Date | undefined } | undefined {
  const windows = parseWindows(image.spec.updateWindows);
  if (windows.length === 0) return undefined;
  const state = windowState(windows, now);
  return state.open ? undefined : { opensAt: state.opensAt };
}

/** The status.waiting of a decision made outside the windows; `since` survives while the decision does. */
export function waitingFor(
  image: Image,
  checked: Checked,
  outcome: RulesChange,
  opensAt: Date | undefined,
  now: Date,
): ImageWaiting {
  const previous = image.status?.waiting;
  const same = previous?.tag === outcome.tag && previous.digest === checked.digest;
  return {
    tag: outcome.tag,
    ...(checked.digest ? { digest: checked.digest } : {}),
    rule: outcome.ruleName,
    since: same ? previous.since : conditionTime(now),
    // A window that never opens again (a schedule whose dates have passed) still needs a time here.
    opensAt: conditionTime(opensAt ?? new Date(8.64e15)),
  };
}

/** What the waiting Event and message say about when the actions run. */
export function whenItRuns(opensAt: Date | undefined): string {
  return opensAt
    ? `the actions run when the next update window opens at ${conditionTime(opensAt)}`
    : 'no update window of spec.updateWindows opens again: change spec.updateWindows to apply it';
}

/** The status of a decision that waits: status.tag and digest stay, status.waiting holds the decision. */
export function waitingReport(
  image: Image,
  checked: Checked,
  headline: string,
  waiting: ImageWaiting,
  opensAt: Date | undefined,
  nextCheckTime: Date | undefined,
): CheckReport {
  const s = image.status;
  const tag = s?.tag || checked.current;
  return {
    result: 'Success',
    message: clipMessage(
      `${headline}: waiting for an update window (status.waiting); ${whenItRuns(opensAt)}; until then the workloads keep ${tag}`,
    ),
    tag,
    digest: s?.tag === tag ? s.digest : undefined,
    upToDate: {
      status: 'False',
      reason: 'WaitingForWindow',
      message: `${waiting.tag} is decided; ${whenItRuns(opensAt)}`,
    },
    nextCheckTime,
    waiting,
  };
}

/** The delay before the queue evaluates the Image again for the earliest of `times` (undefined: none). */
export function wakeAfter(now: Date, times: readonly (Date | undefined)[]): number | undefined {
  const due = times.filter((t): t is Date => t !== undefined).map((t) => t.getTime() - now.getTime());
  if (due.length === 0) return undefined;
  // A few hundred ms late rather than early: an evaluation a hair before the opening only re-arms.
  return Math.min(MAX_WAKE_MS, Math.max(0, Math.min(...due)) + 250);
}

/** A decision outside every update window: recorded in status.waiting (one Event per new decision). */
export async function recordWaiting(
  events: EventRecorder,
  image: Image,
  checked: Checked,
  outcome: RulesChange,
  headline: string,
  opensAt: Date | undefined,
  nextCheck: Date | undefined,
  log: Logger,
  now: Date,
): Promise<CheckReport> {
  const waiting = waitingFor(image, checked, outcome, opensAt, now);
  const previous = image.status?.waiting;
  if (previous?.tag !== waiting.tag || previous.digest !== waiting.digest) {
    log.info({ to: outcome.tag, rule: outcome.ruleName, opensAt }, 'new tag waits for an update window');
    const replaces = previous ? `; it replaces ${previous.tag}, which waited since ${previous.since}` : '';
    await events.record(
      imageTarget(image),
      'Normal',
      'WaitingForWindow',
      `${headline}: ${outcome.reason}; ${whenItRuns(opensAt)}${replaces}`,
    );
  }
  return waitingReport(image, checked, headline, waiting, opensAt, nextCheck);
}
