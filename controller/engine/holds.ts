// Holds in an evaluation (docs/safe-updates.md, "Holds"): the workloads someone rolled back by hand are
// found (domain/holds decides), recorded in status.holds, announced (Events on the Image and the
// workload, an alert with event Held through the rule's alert actions) and left alone by apply and
// restart until released. A release by annotation gives the workload status.tag back at once (apply
// on that workload only) and removes the annotation; a new decision releases every hold before its
// actions run, so the new tag reaches the held workloads too.
import type { Logger } from '../../common/logger.js';
import { errorMessage } from '../../common/errors.js';
import { clipMessage, type Image, type ImageHold, type ImageRule } from '../../crds/index.js';
import {
  CONTROLLER_FIELD_MANAGER,
  RELEASE_ANNOTATION,
  detectHolds,
  heldWorkloads,
  releaseHolds,
  workloadOf,
  type HeldCandidate,
  type Released,
} from '../../domain/holds/holds.js';
import { imageOwner } from '../../domain/holds/owner.js';
import { parseImageReference } from '../../domain/image/reference.js';
import { compileTargets } from '../../domain/targets/targets.js';
import { alertAction } from '../actions/alert.js';
import { applyAction } from '../actions/apply.js';
import type { ActionDeps, Change } from '../actions/types.js';
import { repositoryContainers, usesRepository } from '../actions/workloads.js';
import { kubeMessage, statusCode } from '../kube/errors.js';
import { imageTarget } from '../kube/events.js';
import type { ImageApi } from '../kube/images.js';
import { WORKLOAD_API_VERSION, type Workload } from '../kube/workloads.js';
import { ruleName } from './decide.js';
import type { ImageCache } from './status-writer.js';
import { upToDateOf, type CheckReport, type UpToDateState } from './status.js';

const HELD_REASON = 'Held';

export interface HoldsDeps {
  images: Pick<ImageApi, 'jsonPatch'>;
  cache: ImageCache;
  actions: ActionDeps;
  log: Logger;
  dryRun: boolean;
  now: () => Date;
}

export interface HoldsReview {
  holds: ImageHold[];
  /** What happened to holds in this evaluation, for status.message; empty when nothing did. */
  notes: string[];
  /** UpToDate while something is held. */
  upToDate?: UpToDateState;
}

const describe = (h: ImageHold) =>
  `${workloadOf(h)} ${h.init ? 'init container' : 'container'} ${h.container} runs ${h.reference}` +
  `${h.by ? ` (written by ${h.by} at ${h.since})` : ''}`;

/** Holds only mean something for an Image that moves workloads itself. */
export function appliesToWorkloads(image: Image): boolean {
  return image.spec.rules.some((r) => r.actions.some((a) => a.type === 'apply'));
}

/** The rule that picked status.tag (the last recorded change), for its actions and alerts. */
function currentRule(image: Image): ImageRule | undefined {
  const last = image.status?.history?.[0]?.rule;
  return image.spec.rules.find((r) => ruleName(r) === last);
}

export class HoldKeeper {
  constructor(private readonly deps: HoldsDeps) {}

  /** Workloads the Image holds now: the actions of a retry skip them. */
  held(image: Image): ReadonlySet<string> {
    return heldWorkloads(image.status?.holds);
  }

  /** A change was decided: every hold ends before its actions run. Undefined when there were none. */
  async releaseForChange(image: Image, tag: string, digest?: string): Promise<HoldsReview | undefined> {
    const annotation = image.metadata.annotations?.[RELEASE_ANNOTATION];
    if (!image.status?.holds?.length) {
      if (annotation !== undefined) await this.clearAnnotation(image, annotation);
      return undefined;
    }
    const { kept, released } = releaseHolds(image.status.holds, {
      decided: { tag, ...(digest ? { digest } : {}) },
    });
    await this.announceReleased(image, released);
    if (annotation !== undefined) await this.clearAnnotation(image, annotation);
    return { holds: kept, notes: released.map((r) => `released ${workloadOf(r.hold)}: ${r.why}`) };
  }

  /** A check without a change: release what the annotation names, then look for new hand rollbacks. */
  async review(image: Image, repository: string): Promise<HoldsReview | undefined> {
    const annotation = image.metadata.annotations?.[RELEASE_ANNOTATION];
    const had = image.status?.holds ?? [];
    // Nothing can be held before Tagpilot recorded a change: no workload list for those Images.
    const follows =
      appliesToWorkloads(image) && image.status?.tag !== undefined && !!image.status.history?.length;
    if (!follows && had.length === 0) {
      if (annotation !== undefined) await this.clearAnnotation(image, annotation);
      return undefined;
    }
    const { kept, released } = releaseHolds(had, annotation !== undefined ? { annotation } : {});
    const givenBack = new Set(released.map((r) => workloadOf(r.hold)));
    let workloads: Workload[];
    try {
      // Only the workloads that name the repository: a hold is on one of them (candidates below).
      workloads = await this.deps.actions.workloads.listUsing(
        image.metadata.namespace ?? 'default',
        repository,
      );
    } catch (err) {
      // Without the workloads nothing is decided: the holds stay as they are until the next check.
      this.deps.log.warn(
        { image: `${image.metadata.namespace}/${image.metadata.name}`, err: kubeMessage(err) },
        'could not list workloads to look for hand rollbacks',
      );
      return undefined;
    }
    const rule = currentRule(image);
    const now = this.deps.now();
    const update = detectHolds({
      tag: image.status?.tag,
      ...(rule?.type === 'digest' && image.status?.digest ? { digest: image.status.digest } : {}),
      changedAt: image.status?.history?.[0]?.time,
      controllerManager: CONTROLLER_FIELD_MANAGER,
      // A workload released just now is given status.tag back below, not held again.
      containers: candidates(image, repository, workloads).filter(
        (c) => !givenBack.has(`${c.kind}/${c.name}`),
      ),
      holds: kept,
      now: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
    const notes: string[] = [];
    await this.announceReleased(image, released);
    notes.push(...released.map((r) => `released ${workloadOf(r.hold)}: ${r.why}`));
    for (const h of update.dropped) {
      const message = `${workloadOf(h)} is no longer held: it runs ${image.status?.tag} again or is gone`;
      await this.deps.actions.events.record(imageTarget(image), 'Normal', 'HoldReleased', message);
      notes.push(message);
    }
    for (const h of update.added) notes.push(await this.announceHeld(image, h, workloads));
    if (givenBack.size > 0 && rule)
      notes.push(await this.giveBack(image, repository, rule, givenBack, update.holds));
    if (annotation !== undefined) await this.clearAnnotation(image, annotation);
    return {
      holds: update.holds,
      notes,
      ...(update.holds.length > 0
        ? { upToDate: heldCondition(image, update.holds) }
        : upToDateOf(image.status)?.reason === HELD_REASON
          ? {
              upToDate: {
                status: 'True',
                reason: 'Released',
                message: `no workload is held; the workloads follow ${image.status?.tag}`,
              },
            }
          : {}),
    };
  }

  private async announceHeld(image: Image, hold: ImageHold, workloads: Workload[]): Promise<string> {
    const ns = image.metadata.namespace ?? 'default';
    const how = `kubectl annotate image ${image.metadata.name} -n ${ns} ${RELEASE_ANNOTATION}=${workloadOf(hold)}`;
    const cli = `tagpilot release ${image.metadata.name} -n ${ns} --workload ${workloadOf(hold)}`;
    const message =
      `held ${workloadOf(hold)} after a hand rollback: ${describe(hold)}, not ${hold.from}; ` +
      `Tagpilot leaves it alone until "${how}" (or "${cli}") or a newer tag`;
    await this.deps.actions.events.record(imageTarget(image), 'Warning', 'Held', message);
    const w = workloads.find((x) => x.kind === hold.kind && x.metadata.name === hold.name);
    if (w) {
      await this.deps.actions.events.record(
        { apiVersion: WORKLOAD_API_VERSION[w.kind], kind: w.kind, metadata: w.metadata },
        'Warning',
        'Held',
        `Tagpilot Image ${ns}/${image.metadata.name} ${message}`,
      );
    }
    this.deps.log.info({ image: `${ns}/${image.metadata.name}`, hold }, 'hand rollback held');
    await this.alert(image, hold);
    return message;
  }

  private async announceReleased(image: Image, released: Released[]): Promise<void> {
    for (const r of released) {
      await this.deps.actions.events.record(
        imageTarget(image),
        'Normal',
        'HoldReleased',
        `released ${workloadOf(r.hold)}: ${r.why}`,
      );
    }
  }

  /** The alert of a new hold, through the alert actions of the rule that picked status.tag. */
  private async alert(image: Image, hold: ImageHold): Promise<void> {
    const alerts = (currentRule(image)?.actions ?? []).filter((a) => a.type === 'alert');
    let heldTag: string | undefined;
    try {
      heldTag = parseImageReference(hold.reference).tag;
    } catch {
      heldTag = undefined;
    }
    for (const action of alerts) {
      const change: Change = {
        image,
        repository: image.spec.image,
        // The alert tells the move the cluster made: from status.tag back to what was put there by hand.
        previousTag: hold.from,
        tag: heldTag ?? hold.reference,
        digest: undefined,
        pinDigest: false,
        rule: `hand rollback of ${workloadOf(hold)}${hold.by ? ` by ${hold.by}` : ''}`,
        time: new Date(hold.since),
        availableTags: [],
        event: 'Held',
        reason: `${describe(hold)}, not ${hold.from}`,
        // Each hold is its own occurrence: a second undo to the same tag is news again.
        episode: `${workloadOf(hold)}@${hold.since}`,
      };
      const result = await alertAction(action, change, this.deps.actions);
      if (!result.eventsRecorded) {
        await this.deps.actions.events.record(
          imageTarget(image),
          result.ok ? 'Normal' : 'Warning',
          result.ok ? 'AlertSent' : 'AlertNotSent',
          result.summary,
        );
      }
    }
  }

  /** Apply of status.tag on the released workloads only (the others were never left behind by a hold). */
  private async giveBack(
    image: Image,
    repository: string,
    rule: ImageRule,
    workloads: ReadonlySet<string>,
    holds: readonly ImageHold[],
  ): Promise<string> {
    const s = image.status!;
    if (!rule.actions.some((a) => a.type === 'apply'))
      return 'nothing re-applied (the rule has no apply action)';
    const result = await applyAction(
      {
        image,
        repository,
        previousTag: s.tag,
        tag: s.tag!,
        digest: s.digest,
        pinDigest: rule.type === 'digest',
        rule: ruleName(rule),
        time: this.deps.now(),
        availableTags: [],
        held: heldWorkloads(holds),
        only: workloads,
      },
      this.deps.actions,
      { patched: new Set(), applied: [] },
    );
    await this.deps.actions.events.record(
      imageTarget(image),
      result.ok ? 'Normal' : 'Warning',
      result.ok ? 'Applied' : 'ApplyFailed',
      result.summary,
    );
    return result.summary;
  }

  private async clearAnnotation(image: Image, value: string): Promise<void> {
    if (this.deps.dryRun) return;
    const path = `/metadata/annotations/${RELEASE_ANNOTATION.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    try {
      const stored = await this.deps.images.jsonPatch(
        image.metadata.namespace ?? 'default',
        image.metadata.name ?? '',
        [
          { op: 'test', path, value },
          { op: 'remove', path },
        ],
      );
      this.deps.cache.upsert(stored);
    } catch (err) {
      // 422/409: changed meanwhile (a new release, whose update triggers its own evaluation); 404: deleted.
      const code = statusCode(err);
      if (code !== 422 && code !== 409 && code !== 404) {
        this.deps.log.warn(
          { image: `${image.metadata.namespace}/${image.metadata.name}`, err: errorMessage(err) },
          `could not remove the ${RELEASE_ANNOTATION} annotation`,
        );
      }
    }
  }
}

function candidates(image: Image, repository: string, workloads: readonly Workload[]): HeldCandidate[] {
  const targets = compileTargets(image.spec.targets);
  return workloads
    .filter((w) => usesRepository(w, repository, targets))
    .flatMap((w) =>
      repositoryContainers(w, repository, targets).map((c) => {
        const owner = imageOwner(w.kind, w.metadata.managedFields, c.name, c.init);
        return {
          kind: w.kind,
          name: w.metadata.name ?? '',
          container: c.name,
          init: c.init,
          image: c.image,
          ...(owner ? { owner } : {}),
        };
      }),
    );
}

function heldCondition(image: Image, holds: readonly ImageHold[]): UpToDateState {
  const names = [...new Set(holds.map(workloadOf))];
  return {
    status: 'False',
    reason: HELD_REASON,
    message:
      `held after a hand rollback: ${holds.map(describe).join('; ')}; release with ` +
      `"kubectl annotate image ${image.metadata.name} -n ${image.metadata.namespace} ${RELEASE_ANNOTATION}=${names.length === 1 ? names[0] : 'all'}"` +
      ` or "tagpilot release ${image.metadata.name} -n ${image.metadata.namespace} ${names.length === 1 ? `--workload ${names[0]}` : '--all'}"`,
  };
}

/** A quiet check's report with the holds review: the holds, and what happened to them when it is news. */
export function withHolds(report: CheckReport, review: HoldsReview | undefined): CheckReport {
  if (!review) return report;
  const out: CheckReport = { ...report, holds: review.holds };
  if (report.result !== 'Success') return out;
  if (review.notes.length > 0) out.message = clipMessage(review.notes.join('; '));
  if (review.upToDate) out.upToDate = review.upToDate;
  return out;
}
