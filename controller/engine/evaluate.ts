// One evaluation of one Image: pull secrets → registry (shared cache) → rules in order → actions → status.
// Level-based: it reads the Image as it is now and what the registry says now, so running it twice in a
// row changes nothing the second time (apply is idempotent; the second run sees no new tag).
//
// Order of effects on a change: the actions run first, then ONE status write records the decided tag,
// the history entry and the outcome. If the controller dies between the two, the next evaluation decides
// the same change again and re-runs the actions (apply is a no-op then), instead of a status that claims
// a change whose actions never ran.
import type { Logger } from '../../common/logger.js';
import { errorMessage } from '../../common/errors.js';
import { IMAGE, type Image, type ImageRule } from '../../crds/index.js';
import type { ActionDeps } from '../actions/types.js';
import { runActions, type ActionsOutcome } from '../actions/run.js';
import type { EventRecorder } from '../kube/events.js';
import { isNotFound, isStaleWrite, isTransientKubeError, kubeMessage } from '../kube/errors.js';
import type { ImageApi } from '../kube/images.js';
import type { PullSecretReader } from '../kube/secrets.js';
import {
  BadReferenceError,
  credentialsFromPullSecrets,
  formatPlatform,
  parseImageReference,
  parsePlatform,
  platformMatches,
  repositoryName,
  type ImageReference,
  type Platform,
  type RegistryAccess,
  type RegistryClient,
} from '../registry/index.js';
import { REFRESH_ANNOTATION, refreshRemovalPatch } from '../triggers/index.js';
import { ApiUnavailableError, TagsError, classifyError } from './classify.js';
import { decideRules, needsCurrentDigest, ruleName, type RulesChange, type RulesOutcome } from './decide.js';
import * as metrics from './metrics.js';
import type { ProcessResult } from '../../common/work-queue.js';
import {
  UP_TO_DATE,
  findCondition,
  nextOwnedStatus,
  statusPatch,
  writeNeed,
  type CheckReport,
  type UpToDateState,
  type WriteNeed,
} from './status.js';

/** Why an Image is evaluated; several may be coalesced into one evaluation. */
export type Trigger = 'cron' | 'webhook' | 'manual' | 'new' | 'spec' | 'missed' | 'retry';

export interface ImageCache {
  getByKey(key: string): Image | undefined;
  upsert(obj: Image): void;
}

export interface EvaluatorDeps {
  images: ImageApi;
  cache: ImageCache;
  registry: RegistryClient;
  secrets: PullSecretReader;
  actions: ActionDeps;
  events: EventRecorder;
  log: Logger;
  dryRun: boolean;
  /** Write a status whose only news is the check times at most this often (0: every check). */
  heartbeatMs: number;
  /** Next cron run of a key, for status.nextCheckTime. */
  nextCheck: (key: string) => Date | undefined;
  now?: () => Date;
  /** Called once per evaluation with its result (per-instance statistics). */
  onResult?: (result: string) => void;
}

/** A change whose actions did not all succeed: a retry resumes at the failed action. */
interface PendingActions {
  tag: string;
  digest: string | undefined;
  rule: string;
  from: number;
  retriable: boolean;
  previousTag: string | undefined;
}

/** How many candidates lacking a required platform are skipped before giving up for this check. */
const MAX_PLATFORM_SKIPS = 10;
const MAX_STATUS_ATTEMPTS = 4;
const MAX_MESSAGE = 2_000;

const shortDigest = (d: string | undefined) => (d ? d.replace(/^(sha256:)?(.{12}).*$/, '$1$2') : '(none)');

function clip(s: string): string {
  return s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE - 1)}…` : s;
}

export const imageKey = (image: Pick<Image, 'metadata'>) =>
  `${image.metadata.namespace ?? ''}/${image.metadata.name ?? ''}`;

/** Only manual triggers: the Image waits for the refresh annotation and is never checked on its own. */
export function manualOnly(image: Image): boolean {
  return image.spec.triggers.length > 0 && image.spec.triggers.every((t) => t.type === 'manual');
}

interface Checked {
  ref: ImageReference;
  repository: string;
  tags: readonly string[];
  current: string;
  outcome: RulesOutcome;
  /** Digest to record for status.tag after this check. */
  digest: string | undefined;
}

export class Evaluator {
  private readonly pending = new Map<string, PendingActions>();
  /** --dry-run cannot remove refresh annotations; remember which values were handled. */
  private readonly handledRefresh = new Map<string, string>();
  private readonly now: () => Date;

  constructor(private readonly deps: EvaluatorDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  private count(result: string): void {
    metrics.evaluations.inc({ result });
    this.deps.onResult?.(result);
  }

  /** Drops what is remembered about a deleted Image. */
  forget(key: string): void {
    this.pending.delete(key);
    this.handledRefresh.delete(key);
  }

  /** Whether the Image carries a refresh request not yet handled (in dry-run the annotation stays). */
  refreshPending(image: Image): boolean {
    const value = image.metadata.annotations?.[REFRESH_ANNOTATION];
    if (value === undefined || value.trim() === '') return false;
    return this.handledRefresh.get(imageKey(image)) !== value;
  }

  async evaluate(key: string, reasons: ReadonlySet<Trigger>): Promise<ProcessResult> {
    const image = this.deps.cache.getByKey(key);
    if (!image || image.metadata.deletionTimestamp) {
      this.count('Skipped');
      return {};
    }
    if (image.spec.suspend) {
      this.count('Skipped');
      return {};
    }
    const refresh = this.refreshPending(image) ? image.metadata.annotations?.[REFRESH_ANNOTATION] : undefined;
    const manual = refresh !== undefined || reasons.has('manual');
    const end = metrics.evaluationDuration.startTimer();
    try {
      if (manualOnly(image) && !manual) {
        // A new manual-only Image is not checked: say so once, then wait for the annotation.
        await this.writeScheduled(key, image);
        return {};
      }
      const result = await this.check(key, image, reasons, manual);
      if (refresh !== undefined) await this.clearRefresh(image, refresh);
      return result;
    } finally {
      end();
    }
  }

  private async check(
    key: string,
    image: Image,
    reasons: ReadonlySet<Trigger>,
    manual: boolean,
  ): Promise<ProcessResult> {
    const fresh = manual || reasons.has('webhook');
    const log = this.deps.log.child({ image: key });
    let checked: Checked;
    try {
      checked = await this.ask(image, fresh);
    } catch (err) {
      if (
        err instanceof ApiUnavailableError ||
        (!isKnownCheckError(err) && isTransientKubeError(err) && isKubeError(err))
      ) {
        this.count('ApiUnavailable');
        log.warn({ err: errorMessage(err) }, 'apiserver unavailable during the check; retrying');
        return { retry: true };
      }
      const c = classifyError(err);
      this.count(c.result);
      const previousUpToDate = findCondition(image.status, UP_TO_DATE);
      const report: CheckReport = {
        result: c.result,
        message: clip(c.message),
        tag: image.status?.tag,
        digest: image.status?.digest,
        upToDate: previousUpToDate
          ? {
              status: previousUpToDate.status,
              reason: previousUpToDate.reason,
              message: previousUpToDate.message,
            }
          : { status: 'Unknown', reason: 'CheckFailed', message: 'not checked successfully yet' },
        nextCheckTime: this.deps.nextCheck(key),
      };
      const need = await this.writeStatus(image, report);
      if (need === 'changed') {
        log.warn({ result: c.result, message: c.message }, 'check failed');
        await this.imageEvent(image, 'Warning', c.result, c.message);
      } else log.debug({ result: c.result }, 'check failed again');
      return c.retry
        ? { retry: true, ...(c.retryAfterMs !== undefined ? { retryAfterMs: c.retryAfterMs } : {}) }
        : {};
    }
    return this.conclude(key, image, checked, manual, log);
  }

  /** Asks the registry and runs the rules. Throws what classifyError understands. */
  private async ask(image: Image, fresh: boolean): Promise<Checked> {
    const { spec } = image;
    const namespace = image.metadata.namespace ?? 'default';
    const ref = parseImageReference(spec.image);
    if (ref.tag !== undefined || ref.digest !== undefined) {
      throw new BadReferenceError(
        `"${spec.image}" names a ${ref.digest ? 'digest' : 'tag'}; spec.image is the repository only (put the starting tag in spec.baseTag)`,
      );
    }
    const repository = repositoryName(ref);
    const secrets = spec.imagePullSecrets?.length
      ? await this.deps.secrets.read(namespace, spec.imagePullSecrets)
      : [];
    const access: RegistryAccess = {
      credentials: credentialsFromPullSecrets(secrets, ref),
      insecureSkipTLSVerify: spec.insecureSkipTLSVerify,
      plainHTTP: spec.plainHTTP,
    };
    const registry = this.deps.registry;
    const tags = await registry.listTags(ref, access, { fresh });
    if (tags.length === 0) {
      throw new TagsError(
        `registry ${ref.registry} lists no tags for ${repository}; push a tag, or check spec.image and the pull secret's permissions`,
      );
    }
    const statusTag = image.status?.tag;
    const current = statusTag || spec.baseTag || 'latest';
    const currentPath = statusTag ? 'status.tag' : 'spec.baseTag';
    const listed = tags.includes(current);
    const digests: Record<string, string> = {};
    if (listed && needsCurrentDigest(spec.rules)) {
      digests[current] = await registry.getDigest(ref, current, access, { fresh });
    }
    const platforms = (spec.platforms ?? []).map((p, i) => {
      try {
        return parsePlatform(p);
      } catch (err) {
        throw new BadReferenceError(`spec.platforms[${i}]: ${errorMessage(err)}`);
      }
    });

    const excluded = new Set<string>();
    const lacking: string[] = [];
    let outcome: RulesOutcome;
    for (;;) {
      outcome = decideRules({
        rules: spec.rules,
        current,
        currentPath,
        tags,
        filter: spec.tagFilter,
        currentDigest: image.status?.digest,
        digests,
        excluded,
      });
      if (outcome.kind !== 'change' || outcome.digestRule || platforms.length === 0) break;
      const missing = await this.missingPlatforms(ref, outcome.tag, access, platforms);
      if (missing.length === 0) break;
      excluded.add(outcome.tag);
      lacking.push(`${outcome.tag} (no ${missing.join(', ')})`);
      if (excluded.size >= MAX_PLATFORM_SKIPS) {
        outcome = {
          kind: 'none',
          reasons: [
            `the ${MAX_PLATFORM_SKIPS} best candidates lack a platform of spec.platforms: ${lacking.join('; ')}`,
          ],
        };
        break;
      }
    }
    if (outcome.kind === 'none' && lacking.length > 0) {
      outcome = {
        ...outcome,
        reasons: [...outcome.reasons, `skipped for spec.platforms: ${lacking.join('; ')}`],
      };
    }

    let digest: string | undefined;
    if (outcome.kind === 'change') {
      digest = outcome.digest ?? (await registry.getDigest(ref, outcome.tag, access, { fresh }));
    } else if (outcome.digest !== undefined) {
      digest = outcome.digest;
    } else if (image.status?.digest && statusTag) {
      digest = image.status.digest;
    } else if (listed) {
      // First check of this tag: record what it points at (one HEAD, shared by every Image on the tag).
      digest = digests[current] ?? (await registry.getDigest(ref, current, access, { fresh }));
    }
    return { ref, repository, tags, current, outcome, digest };
  }

  private async missingPlatforms(
    ref: ImageReference,
    tag: string,
    access: RegistryAccess,
    wanted: Platform[],
  ): Promise<string[]> {
    const offered = await this.deps.registry.getPlatforms(ref, tag, access);
    return wanted.filter((w) => !offered.some((o) => platformMatches(w, o.platform))).map(formatPlatform);
  }

  /** Runs the actions (for a change, or to resume failed ones), then records the outcome. */
  private async conclude(
    key: string,
    image: Image,
    checked: Checked,
    manual: boolean,
    log: Logger,
  ): Promise<ProcessResult> {
    const { outcome } = checked;
    const previousTag = image.status?.tag;
    let report: CheckReport;
    let actions: ActionsOutcome | undefined;
    let pending: PendingActions | undefined;

    if (outcome.kind === 'change') {
      metrics.updates.inc();
      const headline = outcome.digestRule
        ? `${outcome.tag} moved from ${shortDigest(image.status?.digest)} to ${shortDigest(checked.digest)} (rule "${outcome.ruleName}")`
        : `${previousTag ?? checked.current} → ${outcome.tag} (rule "${outcome.ruleName}")`;
      log.info(
        { from: checked.current, to: outcome.tag, digest: checked.digest, rule: outcome.ruleName },
        'new tag',
      );
      await this.imageEvent(
        image,
        'Normal',
        outcome.digestRule ? 'NewDigest' : 'NewTag',
        `${headline}: ${outcome.reason}`,
      );
      pending = {
        tag: outcome.tag,
        digest: checked.digest,
        rule: outcome.ruleName,
        from: 0,
        retriable: true,
        previousTag: checked.current,
      };
      actions = await this.runFrom(image, outcome.rule, pending, checked);
      report = this.changeReport(image, checked, outcome, headline, actions);
    } else {
      pending = this.resumable(key, image, manual);
      const rule = pending && image.spec.rules.find((r) => ruleName(r) === pending!.rule);
      if (pending && rule) {
        actions = await this.runFrom(image, rule, pending, checked);
        const headline = `retried the actions for ${pending.tag} (rule "${pending.rule}")`;
        report = this.actionsReport(image, checked, headline, actions);
      } else if (this.failedActionsPending(image, checked)) {
        // The last change's actions failed and are not retried now: the Image stays in ActionError
        // (a quiet tick must not turn it into Success) until a retry, a refresh or a newer change.
        pending = undefined;
        const failed = findCondition(image.status, UP_TO_DATE)!;
        report = {
          result: 'ActionError',
          message:
            image.status?.result === 'ActionError' && image.status.message
              ? image.status.message
              : clip(
                  `status.tag is ${checked.current}, the decided tag, but an action failed: ${failed.message}; run "kubectl annotate image ${image.metadata.name} ${REFRESH_ANNOTATION}=now" to retry it`,
                ),
          tag: checked.current,
          digest: checked.digest,
          upToDate: { status: failed.status, reason: failed.reason, message: failed.message },
          nextCheckTime: this.deps.nextCheck(key),
        };
      } else {
        pending = undefined;
        report = {
          result: 'Success',
          message: this.quietMessage(image, checked, outcome.reasons),
          tag: checked.current,
          digest: checked.digest,
          upToDate: this.keptUpToDate(image, checked.current),
          nextCheckTime: this.deps.nextCheck(key),
        };
      }
    }

    if (actions && pending) {
      if (actions.ok) this.pending.delete(key);
      else
        this.pending.set(key, {
          ...pending,
          from: actions.failedIndex ?? 0,
          retriable: actions.retriable,
        });
    }
    this.count(report.result);
    await this.writeStatus(image, report);
    if (actions && !actions.ok) {
      log.warn({ message: report.message }, 'an action failed');
      return actions.retriable ? { retry: true } : {};
    }
    return {};
  }

  private changeReport(
    image: Image,
    checked: Checked,
    outcome: RulesChange,
    headline: string,
    actions: ActionsOutcome,
  ): CheckReport {
    const report = this.actionsReport(image, checked, `${headline}: ${outcome.reason}`, actions);
    return {
      ...report,
      change: {
        tag: outcome.tag,
        ...(checked.digest ? { digest: checked.digest } : {}),
        rule: outcome.ruleName,
      },
    };
  }

  private actionsReport(
    image: Image,
    checked: Checked,
    headline: string,
    actions: ActionsOutcome,
  ): CheckReport {
    const tag = checked.outcome.kind === 'change' ? checked.outcome.tag : checked.current;
    const key = imageKey(image);
    if (actions.ok) {
      return {
        result: 'Success',
        message: clip([headline, ...actions.summaries].join('; ')),
        tag,
        digest: checked.digest,
        upToDate: {
          status: 'True',
          reason: 'Applied',
          message: `the actions for ${tag} succeeded`,
        },
        nextCheckTime: this.deps.nextCheck(key),
      };
    }
    const failed = actions.summaries.at(-1) ?? 'an action failed';
    const next = actions.retriable
      ? 'Tagpilot retries the failed action with backoff'
      : `fix the cause, then run "kubectl annotate image ${image.metadata.name} ${REFRESH_ANNOTATION}=now" to retry the failed action`;
    return {
      result: 'ActionError',
      message: clip(
        `${headline}; status.tag is ${tag}, the decided tag, but action ${(actions.failedIndex ?? 0) + 1} failed: ${failed}; the actions after it did not run; ${next}` +
          (actions.summaries.length > 1 ? `; earlier: ${actions.summaries.slice(0, -1).join('; ')}` : ''),
      ),
      tag,
      digest: checked.digest,
      upToDate: { status: 'False', reason: 'ActionFailed', message: clip(failed) },
      nextCheckTime: this.deps.nextCheck(key),
    };
  }

  /**
   * The message of a check that found nothing new. After a successful change the message keeps telling
   * that change (what was decided and done) until something newer or an error replaces it: the reasons
   * why nothing is newer are the same on every tick, and rewriting the status for them would cost one
   * write per Image after every update. Without a change to tell, it says why nothing is newer.
   */
  private quietMessage(image: Image, checked: Checked, reasons: string[]): string {
    const s = image.status;
    const last = s?.history?.[0];
    const keep =
      s?.result === 'Success' &&
      s.message !== undefined &&
      !s.message.startsWith('no update') &&
      s.tag === checked.current &&
      s.digest === checked.digest &&
      last?.tag === checked.current;
    return keep ? s.message! : clip(`no update: ${reasons.join('; ')}`);
  }

  /** The condition after a check that found nothing new: as it was, or True when there was none. */
  private keptUpToDate(image: Image, tag: string): UpToDateState {
    const previous = findCondition(image.status, UP_TO_DATE);
    if (previous && previous.status !== 'Unknown') {
      return { status: previous.status, reason: previous.reason, message: previous.message };
    }
    return { status: 'True', reason: 'NoUpdate', message: `no newer tag than ${tag}` };
  }

  /**
   * Failed actions to run again in this evaluation: after a retriable failure (the queue's retry), or on
   * a manual refresh. After a controller restart nothing is remembered; a refresh on an Image whose
   * last result is ActionError then re-runs every action of the last change (apply is idempotent).
   */
  private resumable(key: string, image: Image, manual: boolean): PendingActions | undefined {
    const remembered = this.pending.get(key);
    const status = image.status;
    if (remembered) {
      if (remembered.tag !== status?.tag || remembered.digest !== status?.digest) {
        this.pending.delete(key);
        return undefined;
      }
      return remembered.retriable || manual ? remembered : undefined;
    }
    const last = status?.history?.[0];
    if (manual && last?.rule && this.failedActionsPending(image, undefined)) {
      return {
        tag: last.tag,
        digest: status?.digest,
        rule: last.rule,
        from: 0,
        retriable: true,
        previousTag: status?.history?.[1]?.tag,
      };
    }
    return undefined;
  }

  /**
   * Whether the actions of the last recorded change failed and were not completed since: the UpToDate
   * condition says ActionFailed (it survives failed checks and restarts), and no newer tag was recorded.
   */
  private failedActionsPending(image: Image, checked: Checked | undefined): boolean {
    const s = image.status;
    const last = s?.history?.[0];
    return (
      findCondition(s, UP_TO_DATE)?.reason === 'ActionFailed' &&
      last !== undefined &&
      last.tag === s?.tag &&
      (checked === undefined || (checked.current === s.tag && checked.digest === s.digest))
    );
  }

  private runFrom(
    image: Image,
    rule: ImageRule,
    pending: PendingActions,
    checked: Checked,
  ): Promise<ActionsOutcome> {
    return runActions(
      rule.actions,
      {
        image,
        repository: checked.repository,
        previousTag: pending.previousTag,
        tag: pending.tag,
        digest: pending.digest,
        pinDigest: rule.type === 'digest',
        rule: pending.rule,
        time: this.now(),
        availableTags: checked.tags,
      },
      this.deps.actions,
      pending.from,
    );
  }

  /** First sight of a manual-only Image: result Scheduled, once. */
  private async writeScheduled(key: string, image: Image): Promise<void> {
    if (image.status?.result) return;
    await this.writeStatus(image, {
      result: 'Scheduled',
      message: `waiting for "kubectl annotate image ${image.metadata.name} ${REFRESH_ANNOTATION}=now": this Image has only manual triggers`,
      tag: image.status?.tag,
      digest: image.status?.digest,
      upToDate: { status: 'Unknown', reason: 'NotChecked', message: 'not checked yet' },
      nextCheckTime: this.deps.nextCheck(key),
    });
  }

  /**
   * Writes the report when it changes something (or the heartbeat is due). On 409 reads the Image again
   * and recomputes against the fresh status, so another writer's fields (the operator's Ready condition)
   * survive. Throws transient API errors (the queue retries).
   */
  async writeStatus(image: Image, report: CheckReport): Promise<WriteNeed> {
    const namespace = image.metadata.namespace ?? 'default';
    const name = image.metadata.name ?? '';
    const generation = image.metadata.generation;
    let fresh = image;
    for (let attempt = 1; ; attempt++) {
      const now = this.now();
      const owned = nextOwnedStatus(fresh.status, report, generation, now);
      const need = writeNeed(fresh.status, owned, now, this.deps.heartbeatMs);
      if (need === 'none') {
        metrics.statusWrites.inc({ outcome: 'skipped' });
        return need;
      }
      if (this.deps.dryRun) {
        metrics.statusWrites.inc({ outcome: 'dry_run' });
        this.deps.log.info(
          {
            dryRun: true,
            image: `${namespace}/${name}`,
            result: owned.result,
            tag: owned.tag,
            digest: owned.digest,
          },
          `would write status: ${owned.message}`,
        );
        return need;
      }
      try {
        const stored = await this.deps.images.patchStatus(namespace, name, statusPatch(fresh, owned));
        this.deps.cache.upsert(stored);
        metrics.statusWrites.inc({ outcome: need === 'changed' ? 'written' : 'heartbeat' });
        return need;
      } catch (err) {
        if (isNotFound(err)) return 'none'; // deleted meanwhile
        if (!isStaleWrite(err) || attempt >= MAX_STATUS_ATTEMPTS) throw err;
        metrics.statusWrites.inc({ outcome: 'conflict' });
        fresh = await this.deps.images.get(namespace, name);
      }
    }
  }

  private async clearRefresh(image: Image, value: string): Promise<void> {
    const key = imageKey(image);
    this.handledRefresh.set(key, value);
    if (this.deps.dryRun) return;
    try {
      const stored = await this.deps.images.jsonPatch(
        image.metadata.namespace ?? 'default',
        image.metadata.name ?? '',
        refreshRemovalPatch(value),
      );
      this.deps.cache.upsert(stored);
    } catch (err) {
      // 422: the annotation changed meanwhile (a new request, which its update event triggers);
      // 404: deleted. Anything else leaves the annotation, remembered as handled so it does not loop.
      const code = (err as { code?: unknown }).code;
      if (code !== 422 && code !== 409 && code !== 404) {
        this.deps.log.warn({ image: key, err: kubeMessage(err) }, 'could not remove the refresh annotation');
        return;
      }
    }
    this.handledRefresh.delete(key);
  }

  private imageEvent(
    image: Image,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<void> {
    return this.deps.events.record(
      { apiVersion: IMAGE.apiVersion, kind: IMAGE.kind, metadata: image.metadata },
      type,
      reason,
      message,
    );
  }
}

function isKnownCheckError(err: unknown): boolean {
  return err instanceof Error && ['RuleError', 'TagsError', 'PullSecretReadError'].includes(err.name);
}

/** Errors from the Kubernetes client carry a numeric `code` (ApiException) or come from its fetch. */
function isKubeError(err: unknown): boolean {
  if (typeof (err as { code?: unknown } | null)?.code === 'number') return true;
  const name = (err as { name?: string } | null)?.name;
  return name === 'FetchError' || name === 'AbortError';
}
