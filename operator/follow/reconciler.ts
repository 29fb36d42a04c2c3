// Annotation mode (docs/without-custom-resources.md): for each workload annotated tagpilot.dev/follow the
// leader keeps the managed Images domain/follow computes, applies them back when edited by hand, deletes
// those the workload no longer asks for, and turns bad annotations into Warning Events on the workload.
// Level-based like the other reconcilers: events only say which workload to look at.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { IMAGE, type Image } from '../../crds/index.js';
import { isFollowed } from '../../domain/follow/annotations.js';
import {
  MANAGED_BY,
  MANAGED_BY_LABEL,
  WORKLOAD_UID_LABEL,
  managedImages,
  type FollowDefaults,
} from '../../domain/follow/managed-image.js';
import type { Cache } from '../../common/cache.js';
import { errorMessage } from '../../common/errors.js';
import { isNotFound } from '../../common/kube.js';
import type { Logger } from '../../common/logger.js';
import { WorkQueue } from '../../common/work-queue.js';
import { queueDepth, reconcileDuration, reconciles } from '../metrics.js';
import type { KubeWrites } from '../reconcile/kube-writes.js';
import { RECONCILE_TURN_BUDGET_MS } from '../reconcile/reconcilers.js';
import { covers } from './covers.js';
import {
  FOLLOWED_KINDS,
  KIND_API_VERSION,
  type FollowedKind,
  type SlimWorkload,
  type WorkloadCaches,
} from './workload-caches.js';

export interface FollowReconcilerOptions {
  kubeConfig: KubeConfig;
  workloads: WorkloadCaches;
  images: Cache<Image>;
  writes: KubeWrites;
  defaults: FollowDefaults;
  log: Logger;
  resyncMs?: number;
}

const key = (kind: string, namespace: string, name: string) => `${kind}/${namespace}/${name}`;

function splitKey(k: string): [FollowedKind, string, string] {
  const [kind, namespace, ...rest] = k.split('/');
  return [kind as FollowedKind, namespace ?? '', rest.join('/')];
}

function sameExceptVersion(a: SlimWorkload, b: SlimWorkload): boolean {
  const strip = (w: SlimWorkload) =>
    JSON.stringify({ ...w, metadata: { ...w.metadata, resourceVersion: '' } });
  return strip(a) === strip(b);
}

const isManaged = (img: Image) => img.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY;

/** The workload a managed Image belongs to, from its controller ownerReference. */
function ownerKey(img: Image): string | undefined {
  const owner = img.metadata.ownerReferences?.find((o) => o.controller);
  if (!owner || !(FOLLOWED_KINDS as readonly string[]).includes(owner.kind)) return undefined;
  return key(owner.kind, img.metadata.namespace ?? '', owner.name);
}

export class FollowReconciler {
  private readonly queue: WorkQueue<'changed' | 'retry'>;
  private readonly core: CoreV1Api;
  /** Last Warning per workload, so a resync does not repeat an Event nobody acted on. */
  private readonly warned = new Map<string, string>();
  private resyncTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly opts: FollowReconcilerOptions) {
    this.core = opts.kubeConfig.makeApiClient(CoreV1Api);
    this.queue = new WorkQueue<'changed' | 'retry'>({
      concurrency: 2,
      retryReason: 'retry',
      retryBaseMs: 500,
      retryMaxMs: 60_000,
      turnBudgetMs: RECONCILE_TURN_BUDGET_MS,
      process: (k) => this.timed(() => this.reconcile(k)),
      onError: (k, err) =>
        opts.log.warn({ workload: k, err: errorMessage(err) }, 'follow reconcile failed; retrying'),
      onChange: (depth) => queueDepth.set({ kind: 'Workload' }, depth),
    });
    this.queue.start();
  }

  private readonly onWorkload = (w: SlimWorkload, old?: SlimWorkload) => {
    // Rollouts update a workload's status many times; the cache keeps no status, so such an update
    // differs only in resourceVersion and needs no reconcile (nor a ServiceAccount read).
    if (old && sameExceptVersion(w, old)) return;
    this.queue.add(key(w.kind, w.metadata.namespace ?? '', w.metadata.name ?? ''), 'changed');
  };

  private readonly onImage = (img: Image) => {
    if (!isManaged(img)) return;
    const k = ownerKey(img);
    if (k) this.queue.add(k, 'changed');
  };

  /** Wires the cache events; call before the workload caches start. */
  watch(): void {
    for (const ev of ['add', 'update', 'delete'] as const) {
      for (const kind of FOLLOWED_KINDS) this.opts.workloads[kind].on(ev, this.onWorkload);
      this.opts.images.on(ev, this.onImage);
    }
  }

  start(): void {
    this.enqueueAll();
    this.resyncTimer = setInterval(() => this.enqueueAll(), this.opts.resyncMs ?? 10 * 60_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.resyncTimer);
    for (const ev of ['add', 'update', 'delete'] as const) this.opts.images.off(ev, this.onImage);
    await this.queue.shutdown();
  }

  private enqueueAll(): void {
    for (const kind of FOLLOWED_KINDS) for (const w of this.opts.workloads[kind].list()) this.onWorkload(w);
    for (const img of this.opts.images.list()) this.onImage(img);
  }

  private async timed(run: () => Promise<void>): Promise<void> {
    const end = reconcileDuration.startTimer({ kind: 'Workload' });
    try {
      await run();
      reconciles.inc({ kind: 'Workload', result: 'success' });
    } catch (err) {
      reconciles.inc({ kind: 'Workload', result: 'error' });
      throw err;
    } finally {
      end();
    }
  }

  private async reconcile(k: string): Promise<void> {
    if (this.stopped) return;
    const [kind, namespace, name] = splitKey(k);
    const w = this.opts.workloads[kind]?.get(name, namespace);
    const managed = this.opts.images.list(namespace).filter((img) => isManaged(img) && ownerKey(img) === k);
    if (!w || !isFollowed(w.metadata.annotations)) {
      // Annotation removed (or workload gone: the garbage collector would also delete them).
      this.warned.delete(k);
      for (const img of managed) await this.delete(img, 'the workload is no longer annotated');
      return;
    }
    const uid = w.metadata.uid ?? '';
    const { images, problems } = managedImages(
      {
        apiVersion: KIND_API_VERSION[kind],
        kind,
        name,
        namespace,
        uid,
        annotations: w.metadata.annotations ?? {},
        containers: [
          ...w.containers.map((c) => ({ ...c, init: false })),
          ...w.initContainers.map((c) => ({ ...c, init: true })),
        ],
        pullSecrets: [...w.imagePullSecrets, ...(await this.serviceAccountSecrets(namespace, w))],
      },
      this.opts.defaults,
    );
    await this.warn(k, w, problems);
    const wanted = new Set(images.map((i) => i.metadata.name));
    for (const img of images) {
      const current = managed.find((m) => m.metadata.name === img.metadata.name);
      if (current && covers(current, img)) continue;
      await this.opts.writes.applyObject(IMAGE, img);
      this.opts.log.info(
        { workload: k, image: `${namespace}/${img.metadata.name ?? ''}`, created: !current },
        current ? 'managed Image reconciled back' : 'managed Image created',
      );
    }
    for (const img of managed) {
      // A managed Image of an earlier incarnation of the workload (same name, other uid) goes too.
      if (!wanted.has(img.metadata.name) || img.metadata.labels?.[WORKLOAD_UID_LABEL] !== uid)
        await this.delete(img, 'its container is no longer followed');
    }
  }

  private async delete(img: Image, why: string): Promise<void> {
    const ref = { namespace: img.metadata.namespace ?? '', name: img.metadata.name ?? '' };
    await this.opts.writes.deleteObject(IMAGE, {
      ...ref,
      ...(img.metadata.uid ? { uid: img.metadata.uid } : {}),
    });
    this.opts.log.info({ image: `${ref.namespace}/${ref.name}`, why }, 'managed Image deleted');
  }

  /** Pull secrets of the workload's ServiceAccount; a missing ServiceAccount has none. */
  private async serviceAccountSecrets(namespace: string, w: SlimWorkload): Promise<string[]> {
    const name = w.serviceAccountName ?? 'default';
    try {
      const sa = await this.core.readNamespacedServiceAccount({ namespace, name });
      return (sa.imagePullSecrets ?? []).flatMap((s) => (s.name ? [s.name] : []));
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
  }

  private async warn(k: string, w: SlimWorkload, problems: string[]): Promise<void> {
    if (problems.length === 0) {
      this.warned.delete(k);
      return;
    }
    const message = problems.join('; ');
    if (this.warned.get(k) === message) return;
    this.warned.set(k, message);
    this.opts.log.warn({ workload: k, problems }, 'invalid follow annotations');
    await this.opts.writes.event(
      { apiVersion: KIND_API_VERSION[w.kind], kind: w.kind },
      {
        namespace: w.metadata.namespace ?? '',
        name: w.metadata.name ?? '',
        ...(w.metadata.uid ? { uid: w.metadata.uid } : {}),
      },
      'Warning',
      'InvalidFollowAnnotation',
      message,
    );
  }
}
