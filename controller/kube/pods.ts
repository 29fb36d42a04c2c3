// The Pods of a workload, for the health gate: listed by the workload's label selector, only the fields
// the judgement reads.
import { CoreV1Api, type KubeConfig, type V1LabelSelector, type V1Pod } from '@kubernetes/client-node';

export interface PodReader {
  list(namespace: string, selector: V1LabelSelector): Promise<V1Pod[]>;
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

export class KubePodReader implements PodReader {
  private readonly api: CoreV1Api;

  constructor(kubeConfig: KubeConfig) {
    this.api = kubeConfig.makeApiClient(CoreV1Api);
  }

  async list(namespace: string, selector: V1LabelSelector): Promise<V1Pod[]> {
    const labelSelector = selectorString(selector);
    // An empty selector would select every Pod of the namespace; a workload always has one.
    if (labelSelector === undefined) return [];
    return (await this.api.listNamespacedPod({ namespace, labelSelector })).items;
  }
}
