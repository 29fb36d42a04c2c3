// Approvals (docs/safe-updates.md#approvals). With spec.approval.required, a change the rules decide does
// not run its actions: it waits in status.pending, with an ApprovalPending Event and an alert through the
// rule's alert actions that names the commands to answer. A person answers with the annotation
// tagpilot.dev/approve=TAG or tagpilot.dev/reject=TAG (`tagpilot approve|reject` writes the same). The
// controller judges the answer against status.pending (domain/approval/answer.ts, as the CLI does), then
// removes the annotation whatever the verdict, so an answer can never apply to a later tag: it names one
// tag, and it is gone once read.
import type { Logger } from '../../common/logger.js';
import type { ProcessResult } from '../../common/work-queue.js';
import { conditionTime, type Image, type ImagePending } from '../../crds/index.js';
import { APPROVE_ANNOTATION, REJECT_ANNOTATION, answerHint } from '../../domain/approval/annotations.js';
import { answersOf, judgeAnswer, type Answer } from '../../domain/approval/answer.js';
import { nextPending } from '../../domain/approval/pending.js';
import { annotationSetter, setterText } from '../../domain/approval/setter.js';
import { alertThrough } from '../actions/alert.js';
import type { ActionDeps } from '../actions/types.js';
import { imageTarget, type EventRecorder } from '../kube/events.js';
import type { ImageApi } from '../kube/images.js';
import { AnnotationRequests } from './annotation-requests.js';
import { pendingReport, rejectedReport } from './approval-report.js';
import { checkImage, type CheckDeps, type Checked } from './check.js';
import type { RulesChange } from './decide.js';
import type { StatusWriter, ImageCache } from './status-writer.js';
import type { CheckReport } from './status.js';

export interface ApprovalDeps extends CheckDeps {
  images: Pick<ImageApi, 'jsonPatch'> & Partial<Pick<ImageApi, 'get'>>;
  cache: ImageCache;
  status: Pick<StatusWriter, 'write'>;
  events: EventRecorder;
  actions: ActionDeps;
  log: Logger;
  dryRun: boolean;
  now: () => Date;
}

/** What handling the answers did; `applied`: the approved tag's actions ran (and counted themselves). */
export interface Answered {
  result: ProcessResult;
  applied: boolean;
}

const who = (image: Image) => ({
  namespace: image.metadata.namespace ?? 'default',
  name: image.metadata.name ?? '',
});

export class Approvals {
  private readonly requests: Record<string, AnnotationRequests>;

  constructor(private readonly deps: ApprovalDeps) {
    this.requests = {
      [APPROVE_ANNOTATION]: new AnnotationRequests(deps, APPROVE_ANNOTATION),
      [REJECT_ANNOTATION]: new AnnotationRequests(deps, REJECT_ANNOTATION),
    };
  }

  forget(key: string): void {
    for (const r of Object.values(this.requests)) r.forget(key);
  }

  /** The answers the Image carries that were not handled yet, the reject first. */
  answers(image: Image): Answer[] {
    return answersOf(image.metadata.annotations).filter(
      (a) => this.requests[a.annotation]!.pending(image) !== undefined,
    );
  }

  /**
   * A change while approval is required: starts (or keeps, or supersedes) status.pending. A new wait gets
   * its Events and its alert here, before the caller writes the returned report, so a crash in between
   * repeats the alert's claim, which the alert record on the Image turns into a no-op.
   */
  async wait(
    image: Image,
    checked: Checked,
    outcome: RulesChange,
    nextCheckTime: Date | undefined,
  ): Promise<CheckReport> {
    const now = this.deps.now();
    const step = nextPending(
      image.status?.pending,
      { tag: outcome.tag, digest: checked.digest, previousTag: checked.current, rule: outcome.ruleName },
      conditionTime(now),
    );
    const report = pendingReport(image, checked, step.pending, nextCheckTime);
    if (step.kind === 'same') return report;
    const target = imageTarget(image);
    const hint = answerHint(who(image), step.pending.tag);
    if (step.kind === 'superseded') {
      await this.deps.events.record(target, 'Normal', 'ApprovalSuperseded', step.message);
    }
    await this.deps.events.record(
      target,
      'Normal',
      'ApprovalPending',
      `${checked.current} → ${outcome.tag} (rule "${outcome.ruleName}") waits for approval: ${hint}`,
    );
    this.deps.log.info(
      { image: `${who(image).namespace}/${who(image).name}`, tag: outcome.tag, step: step.kind },
      'tag waits for approval',
    );
    await alertThrough(
      outcome.rule.actions,
      {
        image,
        repository: checked.repository,
        previousTag: checked.current,
        tag: outcome.tag,
        digest: checked.digest,
        pinDigest: outcome.digestRule,
        rule: outcome.ruleName,
        time: now,
        availableTags: checked.tags,
        event: 'ApprovalPending',
        // {{ .reason }} of the templates: how to answer, with the exact commands.
        reason: `waits for approval: ${hint}`,
      },
      this.deps.actions,
    );
    return report;
  }

  /**
   * Handles the answers of `answers(image)`: an approve that names the tag in status.pending runs
   * `apply` (the actions of a change, health gate included); a reject records the tag in status.rejected;
   * anything else is a Warning Event. Every answer read is removed afterwards.
   */
  async answer(
    image: Image,
    answers: Answer[],
    apply: (checked: Checked) => Promise<ProcessResult>,
  ): Promise<Answered> {
    const [first, ...rest] = answers;
    if (!first) return { result: {}, applied: false };
    const target = imageTarget(image);
    const by = setterText(annotationSetter(await this.managedFields(image), first.annotation));
    const said = `${first.annotation}=${first.tag} set ${by}`;
    const judged = judgeAnswer(first.verb, first.tag, image.status?.pending);
    let out: Answered = { result: {}, applied: false };
    if (!judged.ok) {
      await this.deps.events.record(target, 'Warning', 'ApprovalIgnored', `${judged.message} (${said})`);
    } else if (judged.verb === 'reject') {
      await this.deps.status.write(image, rejectedReport(image, judged.pending, by, this.deps.now()));
      await this.deps.events.record(
        target,
        'Normal',
        'Rejected',
        `${judged.pending.tag} rejected (${said}): not applied, and the rules skip it from now on`,
      );
    } else {
      // The registry is read (access for the running-pod check, the tag list for alerts); a failure
      // throws before anything is recorded, and the queue retries with the answer still in place.
      const checked = await this.approvedCheck(image, judged.pending, by);
      if (!checked) {
        await this.deps.events.record(
          target,
          'Warning',
          'ApprovalIgnored',
          `approve ${judged.pending.tag}: the rule "${judged.pending.rule}" that picked it is gone from spec.rules; nothing was done (${said})`,
        );
      } else {
        await this.deps.events.record(
          target,
          'Normal',
          'Approved',
          `${judged.pending.tag} approved (${said}); running the actions of rule "${judged.pending.rule}"`,
        );
        out = { result: await apply(checked), applied: true };
      }
    }
    for (const extra of rest) {
      await this.deps.events.record(
        target,
        'Warning',
        'ApprovalIgnored',
        `${extra.annotation}=${extra.tag} ignored: ${first.annotation} was set at the same time, and a reject wins`,
      );
    }
    for (const a of answers) await this.requests[a.annotation]!.clear(image, a.value);
    return out;
  }

  /**
   * The check an approval stands for: the registry as it is now, but the decision is exactly the tag and
   * digest that waited, by its rule (undefined when that rule is gone).
   */
  private async approvedCheck(image: Image, pending: ImagePending, by: string): Promise<Checked | undefined> {
    const ruleIndex = image.spec.rules.findIndex((r) => (r.name || r.type) === pending.rule);
    const rule = image.spec.rules[ruleIndex];
    if (!rule) return undefined;
    const checked = await checkImage(this.deps, image, false);
    return {
      ...checked,
      outcome: {
        kind: 'change',
        ruleIndex,
        rule,
        ruleName: pending.rule,
        tag: pending.tag,
        ...(pending.digest ? { digest: pending.digest } : {}),
        reason: `approved ${by}`,
        digestRule: rule.type === 'digest',
      },
      digest: pending.digest,
    };
  }

  /** managedFields of the stored Image (the cache may not keep them); none when it cannot be read. */
  private async managedFields(image: Image) {
    if (image.metadata.managedFields || !this.deps.images.get) return image.metadata.managedFields;
    try {
      const fresh = await this.deps.images.get(who(image).namespace, who(image).name);
      return fresh.metadata.managedFields;
    } catch {
      return undefined;
    }
  }
}
