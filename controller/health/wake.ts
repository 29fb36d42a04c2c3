// Which followed rollouts a workload or Pod change concerns. The controller wakes those Images' health
// gate when the watch caches see the change, so a rollout is judged when it completes (or a Pod fails)
// rather than at the next poll, and the poll becomes a slow backstop: 1,000 rollouts polled every 3 s
// for the minutes kube-controller-manager takes to roll them were tens of thousands of looks.
//
// A mass rollout brings thousands of workload and Pod events, so the Images that follow a workload are
// looked up in an index (RolloutIndex) kept from the Image cache's events, not found by a pass over every
// Image of the namespace per event.
import type { V1LabelSelector, V1Pod } from '@kubernetes/client-node';
import type { Cache } from '../../common/cache.js';
import type { Image } from '../../crds/index.js';
import { selectorMatches } from '../kube/pods.js';
import type { Workload, WorkloadKind } from '../kube/workloads.js';

interface Followed {
  kind: WorkloadKind;
  name: string;
  /** `namespace/name` of the Images whose status.rollout follows this workload. */
  images: Set<string>;
}

const imageKeyOf = (image: Image) => `${image.metadata.namespace ?? ''}/${image.metadata.name ?? ''}`;
const workloadKey = (kind: string, name: string) => `${kind}/${name}`;

/**
 * The Images with a followed rollout (status.rollout.workloads), by namespace and workload. Feed it every
 * version of an Image the cache holds (add, update and upsert: set; delete: delete).
 */
export class RolloutIndex {
  /** namespace → `kind/name` → the workload and its followers. */
  private readonly byNamespace = new Map<string, Map<string, Followed>>();
  /** Image key → the Image as last set, and the `kind/name`s it follows; only Images that follow some. */
  private readonly images = new Map<string, { image: Image; follows: string[] }>();

  set(image: Image): void {
    const key = imageKeyOf(image);
    const namespace = image.metadata.namespace ?? '';
    const workloads = image.status?.rollout?.workloads ?? [];
    const follows = [...new Set(workloads.map((w) => workloadKey(w.kind, w.name)))];
    const before = this.images.get(key);
    if (before && before.follows.join('\n') === follows.join('\n')) {
      before.image = image;
      return;
    }
    this.delete(image);
    if (follows.length === 0) return;
    this.images.set(key, { image, follows });
    let inNs = this.byNamespace.get(namespace);
    if (!inNs) this.byNamespace.set(namespace, (inNs = new Map()));
    for (const w of workloads) {
      const wk = workloadKey(w.kind, w.name);
      let followed = inNs.get(wk);
      if (!followed) inNs.set(wk, (followed = { kind: w.kind, name: w.name, images: new Set() }));
      followed.images.add(key);
    }
  }

  delete(image: Pick<Image, 'metadata'>): void {
    const key = imageKeyOf(image as Image);
    const before = this.images.get(key);
    if (!before) return;
    this.images.delete(key);
    const namespace = image.metadata.namespace ?? '';
    const inNs = this.byNamespace.get(namespace);
    for (const wk of before.follows) {
      const followed = inNs?.get(wk);
      followed?.images.delete(key);
      if (followed?.images.size === 0) inNs!.delete(wk);
    }
    if (inNs?.size === 0) this.byNamespace.delete(namespace);
  }

  /** The Images following `kind/name` in `namespace`. */
  followers(namespace: string, kind: string, name: string): Image[] {
    const followed = this.byNamespace.get(namespace)?.get(workloadKey(kind, name));
    return followed ? this.imagesOf(followed.images) : [];
  }

  /** The workloads of `namespace` some rollout follows. */
  followed(namespace: string): Iterable<Readonly<Followed>> {
    return this.byNamespace.get(namespace)?.values() ?? [];
  }

  imagesOf(keys: Iterable<string>): Image[] {
    const found: Image[] = [];
    for (const key of keys) {
      const entry = this.images.get(key);
      if (entry) found.push(entry.image);
    }
    return found;
  }
}

/**
 * A RolloutIndex kept current from the Image cache: every version it holds, the controller's own status
 * writes included (they reach the cache by upsert, and their watch event then emits no update).
 */
export function indexRollouts(images: Pick<Cache<Image>, 'on'>): RolloutIndex {
  const index = new RolloutIndex();
  for (const ev of ['add', 'update', 'upsert'] as const) images.on(ev, (image) => index.set(image));
  images.on('delete', (image) => index.delete(image));
  return index;
}

/** The Images (of the workload's namespace) whose status.rollout follows `workload`. */
export function rolloutsOfWorkload(index: RolloutIndex, workload: Workload): Image[] {
  return index.followers(workload.metadata.namespace ?? '', workload.kind, workload.metadata.name ?? '');
}

/**
 * The Images (of the Pod's namespace) whose status.rollout follows a workload selecting `pod`.
 * `workload` reads the watch cache; a workload it does not know wakes nobody (the poll still looks).
 */
export function rolloutsOfPod(
  index: RolloutIndex,
  pod: V1Pod,
  workload: (kind: WorkloadKind, name: string) => Workload | undefined,
): Image[] {
  const labels = pod.metadata?.labels ?? {};
  const keys = new Set<string>();
  for (const followed of index.followed(pod.metadata?.namespace ?? '')) {
    if (followed.kind === 'CronJob') continue;
    const selector = (
      workload(followed.kind, followed.name)?.spec as { selector?: V1LabelSelector } | undefined
    )?.selector;
    if (selector !== undefined && selectorMatches(selector, labels))
      for (const k of followed.images) keys.add(k);
  }
  return index.imagesOf(keys);
}
