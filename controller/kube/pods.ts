// The Pods of a workload. For the health gate: those of the workload's label selector, out of the
// namespace's Pod list that the rollouts followed in that namespace share (shared-lists.ts): 1,000
// rollouts followed every 3 s would otherwise cost 300 LISTs a second.
import { CoreV1Api, type KubeConfig, type V1LabelSelector, type V1Pod } from '@kubernetes/client-node';
import { withoutManagedFields } from '../../common/compact.js';
import { SharedLists } from './shared-lists.js';

export interface PodReader {
  /**
   * `fresh`: list now, by the selector, instead of sharing the namespace's list. Running-pod truth
   * decides restarts from what the Pods run: a list seconds old could restart a workload that has just
   * started the current image.
   */
  list(namespace: string, selector: V1LabelSelector, opts?: { fresh?: boolean }): Promise<V1Pod[]>;
}

/** A label selector in the query syntax; undefined when it selects nothing (no labels, no expressions). */
export function selectorString(s: V1LabelSelector): string | undefined {
  const parts = Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of s.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.length ? parts.join(',') : undefined;
}

/** Whether `labels` match the selector (matchLabels and matchExpressions, as the apiserver does). */
export function selectorMatches(s: V1LabelSelector, labels: Record<string, string> = {}): boolean {
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of s.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const inValues = has && (e.values ?? []).includes(labels[e.key]!);
    if (e.operator === 'In' && !inValues) return false;
    if (e.operator === 'NotIn' && inValues) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

export class KubePodReader implements PodReader {
  private readonly api: CoreV1Api;
  private readonly lists: SharedLists<V1Pod>;

  /** `listTtlMs`: how long a namespace's Pod list is shared (default 2 s, under the gate's 3 s poll). */
  constructor(kubeConfig: KubeConfig, opts: { listTtlMs?: number; now?: () => number } = {}) {
    this.api = kubeConfig.makeApiClient(CoreV1Api);
    this.lists = new SharedLists(opts.listTtlMs ?? 2_000, opts.now);
  }

  async list(namespace: string, selector: V1LabelSelector, opts: { fresh?: boolean } = {}): Promise<V1Pod[]> {
    // An empty selector would select every Pod of the namespace; a workload always has one.
    const labelSelector = selectorString(selector);
    if (labelSelector === undefined) return [];
    if (opts.fresh) {
      return (await this.api.listNamespacedPod({ namespace, labelSelector })).items.map(withoutManagedFields);
    }
    const pods = await this.lists.get(namespace, async () =>
      (await this.api.listNamespacedPod({ namespace })).items.map(withoutManagedFields),
    );
    return pods.filter((p) => selectorMatches(selector, p.metadata?.labels));
  }
}
