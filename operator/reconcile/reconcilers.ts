// The leader's reconcilers for Image and AlertConfig: level-based (each run reads the cache and writes
// the status the object should have; events only say which key to look at), idempotent (no write when
// nothing changed), and linked: an AlertConfig appearing re-checks the Images that name it, a Secret or
// ConfigMap changing re-checks the AlertConfigs that reference it.
import {
  ALERT_CONFIG,
  IMAGE,
  findCondition,
  type AlertConfig,
  type Condition,
  type DesiredCondition,
  type FieldError,
  type Image,
  type KindInfo,
} from '../../crds/index.js';
import { errorMessage } from '../../common/errors.js';
import { isNotFound } from '../../common/kube.js';
import type { Logger } from '../../common/logger.js';
import { objectKey, splitObjectKey } from '../../common/object-key.js';
import { imageErrors } from '../../domain/image/validate.js';
import { WorkQueue } from '../../common/work-queue.js';
import type { Cache } from '../../common/cache.js';
import type { KeysObject } from '../caches.js';
import { queueDepth, reconcileDuration, reconciles, statusWrites } from '../metrics.js';
import {
  alertConfigReadiness,
  alertConfigStatusUpdate,
  references,
  type KeyLookup,
} from './alertconfig-status.js';
import { imageReadiness, imageStatusUpdate, READY } from './image-status.js';
import type { KubeWrites, ObjectRef } from './kube-writes.js';

export interface ReconcilerCaches {
  images: Cache<Image>;
  alertConfigs: Cache<AlertConfig>;
  secrets: Cache<KeysObject>;
  configMaps: Cache<KeysObject>;
}

export interface ReconcilerOptions {
  caches: ReconcilerCaches;
  writes: KubeWrites;
  log: Logger;
  /** Everything is queued again this often, a safety net for missed events. */
  resyncMs?: number;
  now?: () => Date;
  /** Default RECONCILE_TURN_BUDGET_MS; Infinity never yields (bench/reconcile-stall.ts compares). */
  turnBudgetMs?: number;
}

/**
 * Longest run of reconciles in one turn of the event loop (WorkQueue turnBudgetMs). A reconcile with
 * nothing to write does no I/O, so a resync, a relist or an update tick of 10,000 Images would otherwise
 * run them all back to back (a few hundred ms) while every admission review waits; at 2 ms a review
 * waits for at most about two such runs. docs/benchmarks.md, "Operator admission at 10,000 Images".
 */
export const RECONCILE_TURN_BUDGET_MS = 2;

/** Why a key was queued; the queue keeps reasons per key, level-based reconcilers ignore them. */
type QueueReason = 'changed' | 'resync' | 'retry';

/** Equal but for resourceVersion: nothing the reconciler reads changed. */
function sameExceptVersion(a: Image, b: Image): boolean {
  const strip = (i: Image) => JSON.stringify({ ...i, metadata: { ...i.metadata, resourceVersion: '' } });
  return strip(a) === strip(b);
}

function refOf(o: Image | AlertConfig): ObjectRef {
  return {
    namespace: o.metadata.namespace ?? '',
    name: o.metadata.name ?? '',
    ...(o.metadata.uid ? { uid: o.metadata.uid } : {}),
    ...(o.metadata.resourceVersion ? { resourceVersion: o.metadata.resourceVersion } : {}),
  };
}

export class Reconcilers {
  private readonly imageQueue: WorkQueue<QueueReason>;
  private readonly alertConfigQueue: WorkQueue<QueueReason>;
  private resyncTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly validated = new Map<
    string,
    { uid: string | undefined; generation: number; errors: readonly FieldError[] }
  >();

  constructor(private readonly opts: ReconcilerOptions) {
    const queue = (kind: 'Image' | 'AlertConfig', reconcile: (k: string) => Promise<void>) => {
      const q: WorkQueue<QueueReason> = new WorkQueue<QueueReason>({
        concurrency: 2,
        retryReason: 'retry',
        retryBaseMs: 500,
        retryMaxMs: 60_000,
        turnBudgetMs: opts.turnBudgetMs ?? RECONCILE_TURN_BUDGET_MS,
        process: (k) => this.timed(kind, () => reconcile(k)),
        onError: (k, err) =>
          opts.log.warn(
            { kind, key: k, attempts: q.failureCount(k) + 1, err: errorMessage(err) },
            'reconcile failed; retrying',
          ),
        onChange: (depth) => queueDepth.set({ kind }, depth),
      });
      q.start();
      return q;
    };
    this.imageQueue = queue('Image', (k) => this.reconcileImage(k));
    this.alertConfigQueue = queue('AlertConfig', (k) => this.reconcileAlertConfig(k));
  }

  private readonly onImage = (img: Image, old?: Image) => {
    // The cache keeps only what Ready depends on (compact-image.ts): an update that changed none of it
    // (the controller's check times and history) has nothing to reconcile.
    if (old && sameExceptVersion(img, old)) return;
    this.imageQueue.add(objectKey(img), 'changed');
  };

  private readonly onImageDeleted = (img: Image) => {
    this.validated.delete(objectKey(img));
    this.imageQueue.add(objectKey(img), 'changed');
  };

  /** Wires the cache events; call before the caches start so the initial list is seen. */
  watch(): void {
    const { images, alertConfigs, secrets, configMaps } = this.opts.caches;
    images.on('add', this.onImage);
    images.on('update', this.onImage);
    images.on('delete', this.onImageDeleted);
    for (const ev of ['add', 'update', 'delete'] as const) {
      alertConfigs.on(ev, (ac) => {
        this.alertConfigQueue.add(objectKey(ac), 'changed');
        if (ev !== 'update') this.imagesReferencing(ac);
      });
      secrets.on(ev, (s) => this.alertConfigsReferencing('Secret', s));
      configMaps.on(ev, (c) => this.alertConfigsReferencing('ConfigMap', c));
    }
  }

  /** Queues everything in the caches and resyncs periodically. */
  start(): void {
    this.enqueueAll();
    const resync = this.opts.resyncMs ?? 10 * 60_000;
    this.resyncTimer = setInterval(() => this.enqueueAll(), resync);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.resyncTimer);
    // The Image cache outlives a leadership term (the webhook uses it); the other caches stop with it.
    this.opts.caches.images.off('add', this.onImage);
    this.opts.caches.images.off('update', this.onImage);
    this.opts.caches.images.off('delete', this.onImageDeleted);
    await Promise.all([this.imageQueue.shutdown(), this.alertConfigQueue.shutdown()]);
  }

  private enqueueAll(): void {
    for (const img of this.opts.caches.images.list()) this.imageQueue.add(objectKey(img), 'resync');
    for (const ac of this.opts.caches.alertConfigs.list()) this.alertConfigQueue.add(objectKey(ac), 'resync');
  }

  private imagesReferencing(ac: AlertConfig): void {
    const ns = ac.metadata.namespace ?? '';
    for (const img of this.opts.caches.images.list(ns)) {
      const names = (img.spec?.rules ?? []).flatMap((r) =>
        (r.actions ?? []).map((a) => a.alertConfigRef?.name),
      );
      if (names.includes(ac.metadata.name)) this.imageQueue.add(objectKey(img), 'changed');
    }
  }

  private alertConfigsReferencing(kind: 'Secret' | 'ConfigMap', obj: KeysObject): void {
    const ns = obj.metadata?.namespace ?? '';
    for (const ac of this.opts.caches.alertConfigs.list(ns)) {
      if (references(ac.spec).some((r) => r.kind === kind && r.name === obj.metadata?.name)) {
        this.alertConfigQueue.add(objectKey(ac), 'changed');
      }
    }
  }

  private async timed(kind: string, run: () => Promise<void>): Promise<void> {
    const end = reconcileDuration.startTimer({ kind });
    try {
      await run();
      reconciles.inc({ kind, result: 'success' });
    } catch (err) {
      reconciles.inc({ kind, result: 'error' });
      throw err;
    } finally {
      end();
    }
  }

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  private async reconcileImage(k: string): Promise<void> {
    if (this.stopped) return;
    const [ns, name] = splitObjectKey(k);
    const image = this.opts.caches.images.get(name, ns);
    if (!image) return;
    const alertConfigs = new Set(this.opts.caches.alertConfigs.list(ns).map((a) => a.metadata.name ?? ''));
    const desired = imageReadiness(image, alertConfigs, this.specErrors(k, image));
    const update = imageStatusUpdate(image, desired, this.now());
    if (!update) return;
    await this.write(IMAGE, image, update, desired, findCondition(image.status?.conditions, READY));
  }

  /**
   * The spec's validation errors, computed once per uid and generation: the controller writes a status
   * per check, and each write brings the Image back here; validating cron expressions, regexes and
   * semver ranges again for every one of them was most of a reconcile.
   */
  private specErrors(k: string, image: Image): readonly FieldError[] {
    const { uid, generation } = image.metadata;
    const cached = this.validated.get(k);
    if (cached && generation !== undefined && cached.uid === uid && cached.generation === generation)
      return cached.errors;
    const errors = imageErrors(image);
    if (generation !== undefined) this.validated.set(k, { uid, generation, errors });
    return errors;
  }

  private async reconcileAlertConfig(k: string): Promise<void> {
    if (this.stopped) return;
    const [ns, name] = splitObjectKey(k);
    const ac = this.opts.caches.alertConfigs.get(name, ns);
    if (!ac) return;
    const lookup: KeyLookup = {
      keys: (kind, namespace, objName) => {
        const cache = kind === 'Secret' ? this.opts.caches.secrets : this.opts.caches.configMaps;
        const o = cache.get(objName, namespace);
        return o ? new Map(Object.entries(o.keys)) : undefined;
      },
    };
    const readiness = alertConfigReadiness(ac, lookup);
    const update = alertConfigStatusUpdate(ac, readiness, this.now());
    if (!update) return;
    await this.write(ALERT_CONFIG, ac, update, readiness.ready, findCondition(ac.status?.conditions, READY));
  }

  private async write(
    kind: KindInfo,
    obj: Image | AlertConfig,
    status: object,
    desired: DesiredCondition,
    previous: Condition | undefined,
  ): Promise<void> {
    const ref = refOf(obj);
    try {
      await this.opts.writes.applyStatus(kind, ref, status);
    } catch (err) {
      if (isNotFound(err)) return; // deleted meanwhile: nothing left to describe
      throw err;
    }
    statusWrites.inc({ kind: kind.kind });
    const changed = !previous || previous.status !== desired.status || previous.reason !== desired.reason;
    if (!changed) return;
    this.opts.log.info(
      {
        kind: kind.kind,
        namespace: ref.namespace,
        name: ref.name,
        ready: desired.status,
        reason: desired.reason,
      },
      'Ready condition changed',
    );
    // Events for problems and for recoveries; a healthy object's first Ready=True is not news.
    if (desired.status === 'False')
      await this.opts.writes.event(kind, ref, 'Warning', desired.reason, desired.message);
    else if (previous?.status === 'False')
      await this.opts.writes.event(kind, ref, 'Normal', desired.reason, desired.message);
  }
}
