// The health gate: after apply, follow the rollout of what apply changed until it is healthy, or roll it
// back. Level-based: the state is status.rollout (written with the change), every step reads it and the
// cluster afresh, and the Image is re-queued until the rollout is judged, so no worker waits on a
// rollout and a restarted controller (a new leader) resumes from the status.
//
// Exactly once: a failure is first recorded (phase RollingBack, with the reason), then the workloads are
// reverted (each patch tests the reference apply wrote, so a second run is a no-op), then the alert goes
// out (the alert record on the Image deduplicates it), then one status write clears the rollout and
// records the rejected tag. A restart anywhere in between repeats only what is idempotent.
import type { Logger } from '../../common/logger.js';
import type { ProcessResult } from '../../common/work-queue.js';
import {
  conditionTime,
  findCondition,
  type Image,
  type ImageRejectedTag,
  type ImageRollout,
} from '../../crds/index.js';
import { parseDuration } from '../../domain/schedule/duration.js';
import { addRejected } from '../../domain/health/rejected.js';
import type { Verdict } from '../../domain/health/judge.js';
import { alertThrough } from '../actions/alert.js';
import type { ActionDeps, AppliedWorkload } from '../actions/types.js';
import { imageTarget, type EventRecorder } from '../kube/events.js';
import type { PodReader } from '../kube/pods.js';
import type { WorkloadClient } from '../kube/workloads.js';
import { rollBack } from './rollback.js';
import { watchRollout } from './watch.js';

export const HEALTHY = 'Healthy';
export const DEFAULT_HEALTH_TIMEOUT = '5m';

/** What the health gate asks the status writer to record. */
export interface HealthUpdate {
  /** The rollout to keep following, or null when it is judged. */
  rollout: ImageRollout | null;
  healthy: { status: 'True' | 'False' | 'Unknown'; reason: string; message: string };
  rejected?: ImageRejectedTag[];
  /** After a rollback: status.tag and digest go back, and the result says so. */
  rolledBack?: { tag: string | undefined; digest: string | undefined; message: string };
}

export type WriteHealth = (image: Image, update: HealthUpdate) => Promise<void>;

export interface HealthGateDeps {
  workloads: WorkloadClient;
  pods: PodReader;
  events: EventRecorder;
  /** For the rollback alert (the rule's alert actions). */
  actions: ActionDeps;
  log: Logger;
  /** How often a followed rollout is looked at. */
  pollMs: number;
  /**
   * How often instead while the namespace's workload and Pod watch caches are live: then every change
   * of a followed workload or its Pods wakes the gate (controller.ts), and the poll only backs that up.
   * Absent: `pollMs` always.
   */
  watchedPollMs?: number;
  now: () => Date;
}

/** Whether the Image follows its rollouts (the default; spec.healthGate.enabled: false opts out). */
export function gateEnabled(image: Image): boolean {
  return image.spec.healthGate?.enabled ?? true;
}

/** The rollout to follow after apply changed `applied`; undefined when there is nothing to follow. */
export function startRollout(
  image: Image,
  change: { tag: string; digest?: string; rule: string; previousTag?: string; previousDigest?: string },
  applied: readonly AppliedWorkload[],
  now: Date,
): ImageRollout | undefined {
  if (!gateEnabled(image) || applied.length === 0) return undefined;
  const timeoutMs = parseDuration(image.spec.healthGate?.timeout ?? DEFAULT_HEALTH_TIMEOUT);
  return {
    tag: change.tag,
    ...(change.digest ? { digest: change.digest } : {}),
    ...(change.previousTag ? { previousTag: change.previousTag } : {}),
    ...(change.previousDigest ? { previousDigest: change.previousDigest } : {}),
    rule: change.rule,
    startTime: conditionTime(now),
    deadline: conditionTime(new Date(now.getTime() + timeoutMs)),
    phase: 'Watching',
    workloads: applied.map((w) => ({
      kind: w.kind,
      name: w.name,
      containers: w.containers.map((c) => ({
        name: c.name,
        ...(c.init ? { init: true } : {}),
        from: c.from,
        to: c.to,
      })),
    })),
  };
}

export function watchingCondition(rollout: ImageRollout): HealthUpdate['healthy'] {
  return {
    status: 'Unknown',
    reason: 'Progressing',
    message: `following the rollout of ${rollout.tag} until ${rollout.deadline}`,
  };
}

export class HealthGate {
  constructor(
    private readonly deps: HealthGateDeps,
    private readonly write: WriteHealth,
  ) {}

  /** The poll for a rollout in `namespace`: the slow one while changes there wake the gate. */
  private async pollMs(namespace: string): Promise<number> {
    const { watchedPollMs, pollMs, workloads, pods } = this.deps;
    if (watchedPollMs === undefined) return pollMs;
    const woken = (await workloads.watching?.(namespace)) && (await pods.watching?.(namespace));
    return woken ? watchedPollMs : pollMs;
  }

  /** One step of following `image.status.rollout`; the result re-queues the Image until it is judged. */
  async follow(image: Image, rollout: ImageRollout): Promise<ProcessResult> {
    const namespace = image.metadata.namespace ?? 'default';
    const log = this.deps.log.child({ image: `${namespace}/${image.metadata.name}`, tag: rollout.tag });
    if (!gateEnabled(image)) {
      await this.write(image, {
        rollout: null,
        healthy: {
          status: 'Unknown',
          reason: 'GateDisabled',
          message: `spec.healthGate.enabled is false; the rollout of ${rollout.tag} is not followed`,
        },
      });
      return {};
    }
    if (rollout.phase === 'Watching') {
      const verdict = await watchRollout(this.deps, namespace, rollout, this.deps.now());
      if (verdict.state === 'Progressing') {
        log.debug({ message: verdict.message }, 'rollout in progress');
        // Back at the next poll, or just after the deadline when that comes first (then it is judged).
        const untilDeadline = Date.parse(rollout.deadline) - this.deps.now().getTime() + 100;
        const poll = await this.pollMs(namespace);
        return { requeueAfterMs: Math.max(100, Math.min(poll, untilDeadline)) };
      }
      if (verdict.state === 'Healthy') {
        const message = `${rollout.tag} rolled out: ${verdict.message}`;
        // Recorded first, so status never shows a judged rollout without its Event.
        await this.deps.events.record(imageTarget(image), 'Normal', 'Healthy', message);
        await this.write(image, { rollout: null, healthy: { status: 'True', reason: 'RolledOut', message } });
        log.info({ message }, 'rollout healthy');
        return {};
      }
      rollout = { ...rollout, phase: 'RollingBack', reason: verdict.message };
      await this.write(image, { rollout, healthy: failedCondition(rollout, verdict) });
      log.warn({ reason: verdict.reason, message: verdict.message }, 'rollout failed; rolling back');
      return this.finishRollback(image, rollout, log, verdict.reason);
    }
    const recorded = findCondition(image.status?.conditions, HEALTHY);
    return this.finishRollback(
      image,
      rollout,
      log,
      recorded?.status === 'False' ? recorded.reason : 'RolledBack',
    );
  }

  private async finishRollback(
    image: Image,
    rollout: ImageRollout,
    log: Logger,
    reason: string,
  ): Promise<ProcessResult> {
    const namespace = image.metadata.namespace ?? 'default';
    const because = rollout.reason ?? 'not healthy';
    const outcome = await rollBack(this.deps, namespace, rollout, because, image.metadata.name ?? '');
    const back = rollout.previousTag ?? '(the previous references)';
    const done = outcome.reverted.length
      ? `put back ${back} on ${outcome.reverted.join(', ')}`
      : 'nothing to put back';
    const left = outcome.leftAlone.length ? `; left alone: ${outcome.leftAlone.join(', ')}` : '';
    const message = `rolled back ${rollout.tag} to ${back}: ${because}; ${done}${left}; ${rollout.tag} is rejected (status.rejected) and not tried again`;
    await this.alert(image, rollout);
    const now = this.deps.now();
    await this.write(image, {
      rollout: null,
      healthy: {
        status: 'False',
        reason,
        message: `${rollout.tag} was rolled back: ${because}`,
      },
      rejected: addRejected(image.status?.rejected, {
        tag: rollout.tag,
        ...(rollout.digest ? { digest: rollout.digest } : {}),
        reason: because.slice(0, 1024),
        time: conditionTime(now),
      }),
      rolledBack: { tag: rollout.previousTag, digest: rollout.previousDigest, message },
    });
    await this.deps.events.record(imageTarget(image), 'Warning', 'RolledBack', message);
    log.warn({ message }, 'rolled back');
    return {};
  }

  /** The rollback alert through the rule's alert actions (the same AlertConfigs as its updates). */
  private async alert(image: Image, rollout: ImageRollout): Promise<void> {
    const rule = image.spec.rules.find((r) => (r.name || r.type) === rollout.rule);
    await alertThrough(
      rule?.actions ?? [],
      {
        image,
        repository: image.spec.image,
        // The alert tells the move the cluster makes now: from the failed tag back to the previous one.
        previousTag: rollout.tag,
        tag: rollout.previousTag ?? rollout.tag,
        digest: rollout.previousDigest,
        pinDigest: false,
        rule: `rollback of ${rollout.tag} (rule ${rollout.rule ?? '?'})`,
        time: new Date(rollout.startTime),
        availableTags: [],
        event: 'RolledBack',
        ...(rollout.reason ? { reason: rollout.reason } : {}),
      },
      this.deps.actions,
    );
  }
}

function failedCondition(rollout: ImageRollout, verdict: Verdict): HealthUpdate['healthy'] {
  return {
    status: 'False',
    reason: verdict.reason,
    message: `${rollout.tag} is being rolled back: ${verdict.message}`,
  };
}
