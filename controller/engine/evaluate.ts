// One evaluation of one Image: the registry check (check.ts) → the actions of a change, or the resumed
// actions of an earlier one (change-runs.ts, resume.ts) → the report (report.ts) → one status write (status-writer.ts).
// Level-based: it reads the Image as it is now and what the registry says now, so running it twice in a
// row changes nothing the second time (apply is idempotent; the second run sees no new tag).
//
// Order of effects on a change: the actions run first, then ONE status write records the decided tag,
// the history entry and the outcome. If the controller dies between the two, the next evaluation decides
// the same change again and re-runs the actions (apply is a no-op then), instead of a status that claims
// a change whose actions never ran. A result that starts or ends a failure sends its Failed or Recovered
// alert just before that write, for the same reason (failure-alerts.ts).
import type { Logger } from '../../common/logger.js';
import type { ProcessResult } from '../../common/work-queue.js';
import { REFRESH_ANNOTATION, type Image } from '../../crds/index.js';
import type { ActionsOutcome } from '../actions/run.js';
import { HealthGate, watchingCondition } from '../health/gate.js';
import { imageTarget } from '../kube/events.js';
import { checkImage, type Checked } from './check.js';
import { credentialsOf } from './check-secrets.js';
import { classifyError } from './classify.js';
import { alertOnFailureTransition } from './failure-alerts.js';
import { ruleName } from './decide.js';
import { Approvals } from './approval.js';
import { withdrawnReport } from './approval-report.js';
import { approvalRequired } from '../../domain/approval/pending.js';
import { HoldKeeper, withHolds, type HoldsReview } from './holds.js';
import { ImageMetrics } from './image-metrics.js';
import * as metrics from './metrics.js';
import { PushedTags } from './pushed-tags.js';
import { AnnotationRequests } from './annotation-requests.js';
import {
  actionsReport,
  changeHeadline,
  changeReport,
  failedCheckReport,
  healthReport,
  quietReport,
  scheduledReport,
  stillFailedReport,
} from './report.js';
import { PendingActionsStore, failedActionsPending, type PendingActions } from './resume.js';
import { observePods, podsField, recordPodEvents, restartRule } from './running-pods.js';
import { StatusWriter } from './status-writer.js';
import { pruneSeen } from '../../domain/schedule/tag-age.js';
import { closedWindow, recordWaiting, wakeAfter } from './waiting.js';
import { rolloutAfter } from './change-actions.js';
import { ChangeRuns } from './change-runs.js';
import type { CheckReport } from './status.js';

export { imageKey } from './annotation-requests.js';
import { manualOnly, type EvaluatorDeps, type Trigger } from './evaluator-deps.js';
export type { ImageCache } from './status-writer.js';

/** When a tag a hook named was not in the registry yet, how soon it is looked for again. */
const NOT_FOUND_RETRY_MS = 2_000;

export { manualOnly, type EvaluatorDeps, type Trigger } from './evaluator-deps.js';

const FIRST_LOOK_MS = 2_000;

export class Evaluator {
  private readonly pending = new PendingActionsStore();
  private readonly pushed = new PushedTags();
  private readonly refresh: AnnotationRequests;
  private readonly status: StatusWriter;
  private readonly imageMetrics = new ImageMetrics();
  private readonly gate: HealthGate;
  private readonly approvals: Approvals;
  private readonly holds: HoldKeeper;
  private readonly runs: ChangeRuns;
  private readonly now: () => Date;
  private readonly healthPollMs: number;

  constructor(private readonly deps: EvaluatorDeps) {
    this.now = deps.now ?? (() => new Date());
    this.healthPollMs = deps.healthPollMs ?? 3_000;
    this.refresh = new AnnotationRequests(deps, REFRESH_ANNOTATION);
    this.status = new StatusWriter({ ...deps, now: this.now });
    this.approvals = new Approvals({ ...deps, status: this.status, now: this.now });
    this.holds = new HoldKeeper({ ...deps, now: this.now });
    this.runs = new ChangeRuns({ actions: deps.actions, pending: this.pending, now: this.now });
    this.gate = new HealthGate(
      {
        workloads: deps.actions.workloads,
        pods: deps.pods,
        events: deps.events,
        actions: deps.actions,
        log: deps.log,
        pollMs: this.healthPollMs,
        ...(deps.healthWatchedPollMs !== undefined ? { watchedPollMs: deps.healthWatchedPollMs } : {}),
        now: this.now,
      },
      async (image, update) => {
        await this.status.write(image, healthReport(image, update));
      },
    );
  }

  private count(key: string, result: string): void {
    metrics.evaluations.inc({ result });
    this.imageMetrics.record(key, result, this.now());
    this.deps.onResult?.(result, key);
  }

  /** Drops what is remembered about a deleted Image, its metric series included. */
  forget(key: string): void {
    this.pending.forget(key);
    this.refresh.forget(key);
    this.approvals.forget(key);
    this.imageMetrics.forget(key);
    this.pushed.forget(key);
  }

  /** Drops every per-Image metric series (this replica stops evaluating). */
  forgetMetrics(): void {
    this.imageMetrics.forgetAll();
  }

  /** Whether the Image carries an approve or reject annotation not yet handled. */
  answerPending(image: Image): boolean {
    return this.approvals.answers(image).length > 0;
  }

  /** A webhook named `tags` for this Image: its next evaluation considers them even if unlisted. */
  notePushed(key: string, tags: readonly string[]): void {
    this.pushed.add(key, tags);
  }

  /** Whether the Image carries a refresh request not yet handled (in dry-run the annotation stays). */
  refreshPending(image: Image): boolean {
    return this.refresh.pending(image) !== undefined;
  }

  /**
   * `pastRegistry` is called once the evaluation asks the registry nothing more (the work queue then
   * stops counting it against the registry's share of the slots, docs/registries.md "Limits and isolation").
   */
  async evaluate(
    key: string,
    reasons: ReadonlySet<Trigger>,
    pastRegistry: () => void = () => {},
  ): Promise<ProcessResult> {
    const image = this.deps.cache.getByKey(key);
    if (!image || image.metadata.deletionTimestamp || image.spec.suspend) {
      this.count(key, 'Skipped');
      return {};
    }
    const refresh = this.refresh.pending(image);
    const manual = refresh !== undefined || reasons.has('manual');
    const end = metrics.evaluationDuration.startTimer();
    try {
      // A rollout being followed is judged before anything new is decided: nothing is applied over it.
      const rollout = image.status?.rollout;
      if (rollout && !this.deps.dryRun) {
        pastRegistry();
        return await this.gate.follow(image, rollout);
      }
      const answers = this.approvals.answers(image);
      if (answers.length > 0) {
        const log = this.deps.log.child({ image: key });
        const answered = await this.approvals.answer(image, answers, (checked) =>
          this.conclude(key, image, checked, false, log, pastRegistry, true),
        );
        if (!answered.applied) this.count(key, 'Success');
        return answered.result;
      }
      if (manualOnly(image) && !manual && !image.status?.waiting && !reasons.has('release')) {
        // A new manual-only Image is not checked: say so once, then wait for the annotation.
        if (!image.status?.result)
          await this.status.write(image, scheduledReport(image, this.deps.nextCheck(key)));
        return {};
      }
      const result = await this.check(key, image, manual || reasons.has('webhook'), manual, pastRegistry);
      if (refresh !== undefined) await this.refresh.clear(image, refresh);
      return result;
    } finally {
      end();
    }
  }

  private async check(
    key: string,
    image: Image,
    fresh: boolean,
    manual: boolean,
    pastRegistry: () => void,
  ): Promise<ProcessResult> {
    const log = this.deps.log.child({ image: key });
    let checked: Checked;
    const waitingTag = image.status?.waiting?.tag;
    const taken = this.pushed.take(key);
    // The waiting decision stays a candidate even when the listing does not show its tag (yet).
    const pushed = waitingTag && !taken.includes(waitingTag) ? [...taken, waitingTag] : taken;
    try {
      checked = await checkImage(this.deps, image, fresh, pushed);
    } catch (err) {
      pastRegistry();
      if (taken.length > 0) this.pushed.add(key, taken);
      const c = classifyError(err, credentialsOf(image));
      this.count(key, c.result);
      if (c.result === 'ApiUnavailable') {
        log.warn({ err: c.message }, 'apiserver unavailable during the check; retrying');
        return { retry: true };
      }
      const report = failedCheckReport(image, c, this.deps.nextCheck(key));
      await alertOnFailureTransition(image, report, this.deps.actions, this.now());
      const need = await this.status.write(image, report);
      if (need === 'changed') {
        log.warn({ result: c.result, message: c.message }, 'check failed');
        await this.deps.events.record(imageTarget(image), 'Warning', c.result, c.message);
      } else log.debug({ result: c.result }, 'check failed again');
      if (!c.retry) return {};
      return { retry: true, ...(c.retryAfterMs !== undefined ? { retryAfterMs: c.retryAfterMs } : {}) };
    }
    const result = await this.conclude(key, image, checked, manual, log, pastRegistry);
    // Only tags a hook named are looked for again; a vanished waiting tag just stops waiting.
    const notFound = checked.notFound.filter((t) => taken.includes(t));
    if (notFound.length > 0 && this.pushed.notFound(key, notFound)) {
      log.info({ tags: notFound }, 'a tag a hook named is not in the registry yet; looking again shortly');
      if (!result.retry)
        return {
          ...result,
          requeueAfterMs: Math.min(result.requeueAfterMs ?? NOT_FOUND_RETRY_MS, NOT_FOUND_RETRY_MS),
        };
    }
    return result;
  }

  /** Runs the actions (for a change, or to resume failed ones), then records the outcome. */
  private async conclude(
    key: string,
    image: Image,
    checked: Checked,
    manual: boolean,
    log: Logger,
    pastRegistry: () => void,
    approved = false,
  ): Promise<ProcessResult> {
    const { outcome } = checked;
    const nextCheck = this.deps.nextCheck(key);
    const closed = closedWindow(image, this.now());
    let report: CheckReport;
    let actions: ActionsOutcome | undefined;
    let ran: PendingActions | undefined;
    const truth = this.deps.nodes
      ? await observePods(
          {
            workloads: this.deps.actions.workloads,
            pods: this.deps.pods,
            nodes: this.deps.nodes,
            registry: this.deps.registry,
            events: this.deps.events,
            log,
          },
          image,
          checked,
          log,
        )
      : undefined;
    // What is left writes to the apiserver (and alert peers); the registry is not asked again.
    pastRegistry();
    let holds: HoldsReview | undefined;

    // A tag waiting for a window was approved already (approval comes first); its opening applies it.
    if (
      outcome.kind === 'change' &&
      !approved &&
      image.status?.waiting?.tag !== outcome.tag &&
      approvalRequired(image.spec)
    ) {
      report = await this.approvals.wait(image, checked, outcome, nextCheck);
    } else if (outcome.kind === 'change') {
      const headline = changeHeadline(image, checked, outcome);
      if (closed) {
        // An approved tag that must still wait for a window no longer waits for approval.
        report = {
          ...(await recordWaiting(
            this.deps.events,
            image,
            checked,
            outcome,
            headline,
            closed.opensAt,
            nextCheck,
            log,
            this.now(),
          )),
          pending: null,
        };
      } else {
        metrics.updates.inc();
        log.info(
          { from: checked.current, to: outcome.tag, digest: checked.digest, rule: outcome.ruleName },
          'new tag',
        );
        const reason = outcome.digestRule ? 'NewDigest' : 'NewTag';
        await this.deps.events.record(imageTarget(image), 'Normal', reason, `${headline}: ${outcome.reason}`);
        const pending: PendingActions = {
          tag: outcome.tag,
          digest: checked.digest,
          rule: outcome.ruleName,
          from: 0,
          retriable: true,
          previousTag: checked.current,
        };
        ran = pending;
        // A new decision ends every hold (docs/safe-updates.md, "Holds"): the new tag reaches those too.
        holds = await this.holds.releaseForChange(image, outcome.tag, checked.digest);
        actions = await this.runs.run(key, image, outcome.rule, pending, checked, truth, new Set());
        report = { ...changeReport(image, checked, outcome, headline, actions, nextCheck), pending: null };
        if (holds) report = { ...report, holds: holds.holds };
      }
    } else {
      // Failed actions are retried only inside a window too.
      const pending = closed ? undefined : this.pending.resumable(key, image, manual);
      const rule = pending && image.spec.rules.find((r) => ruleName(r) === pending.rule);
      if (pending && rule) {
        ran = pending;
        actions = await this.runs.run(key, image, rule, pending, checked, truth, this.holds.held(image));
        const headline = `retried the actions for ${pending.tag} (rule "${pending.rule}")`;
        report = actionsReport(image, checked, headline, actions, nextCheck);
      } else if (failedActionsPending(image, checked)) {
        report = stillFailedReport(image, checked, nextCheck);
      } else if (!closed && truth && truth.restartable.length > 0 && restartRule(image)) {
        actions = await this.runs.restartStale(
          image,
          restartRule(image)!,
          checked,
          truth,
          this.holds.held(image),
        );
        const headline = `${truth.status.stale} running containers run a stale digest of ${checked.current} (${truth.restartable.join(', ')})`;
        report = actionsReport(image, checked, headline, actions, nextCheck);
      } else {
        report = quietReport(image, checked, outcome.reasons, nextCheck);
      }
      const waiting = image.status?.pending;
      if (waiting) {
        report = withdrawnReport(report, waiting, checked.current, outcome.reasons);
        await this.deps.events.record(imageTarget(image), 'Normal', 'ApprovalWithdrawn', report.message);
      }
      if (!this.deps.dryRun) report = withHolds(report, await this.holds.review(image, checked.repository));
    }
    // A decision that ran, or that the rules no longer make, no longer waits.
    if (report.waiting === undefined && image.status?.waiting) report = { ...report, waiting: null };
    if (checked.firstSeen !== undefined) {
      const running = { tag: report.tag, digest: report.digest };
      report = { ...report, firstSeen: pruneSeen(checked.firstSeen, checked.tags, running) };
    }

    const rollout = this.deps.dryRun ? undefined : rolloutAfter(image, ran, actions, this.now());
    if (rollout) report = { ...report, rollout, healthy: watchingCondition(rollout) };
    const pods = podsField(image, truth);
    if (pods !== undefined) report = { ...report, pods };
    if (truth) await recordPodEvents(this.deps.events, image, truth);
    this.count(key, report.result);
    await alertOnFailureTransition(image, report, this.deps.actions, this.now());
    await this.status.write(image, report);
    if (actions && !actions.ok) {
      log.warn({ message: report.message }, 'an action failed');
      if (actions.retriable) return { retry: true };
    }
    // The first look soon after apply: the workload's change may reach the watch cache before the
    // rollout reaches status, and then it wakes no one.
    if (rollout) return { requeueAfterMs: Math.min(this.healthPollMs, FIRST_LOOK_MS) };
    // Back when the window opens for a waiting decision or stale Pods to restart, or when the first
    // skipped young tag comes of age.
    const restartWaits = truth !== undefined && truth.restartable.length > 0 && restartRule(image);
    const wake = wakeAfter(this.now(), [
      report.waiting || restartWaits ? closed?.opensAt : undefined,
      ...checked.young.map((y) => y.eligibleAt),
    ]);
    return wake !== undefined ? { requeueAfterMs: wake } : {};
  }
}
