// Running-pod truth for one evaluation (docs/without-custom-resources.md, "Running Pods"): the running
// Pods of the workloads the Image targets, their containers' imageID digests, and the registry's digest
// of the tag for each Pod's node platform. Pods are listed per workload by its selector and dropped after
// the judgement; only node platforms are kept (kube/nodes.ts), so nothing here grows with the cluster.
import type { V1LabelSelector, V1Pod } from '@kubernetes/client-node';
import type { Image } from '../../crds/index.js';
import { repositoryOf } from '../../domain/image/repository.js';
import { judgePods, type PodFacts, type PodTruth } from '../../domain/pods/truth.js';
import { compileTargets } from '../../domain/targets/targets.js';
import {
  carriesMark,
  describeWorkload,
  rolloutMark,
  targeted,
  usesRepository,
} from '../actions/workloads.js';
import type { NodeReader } from '../kube/nodes.js';
import type { PodReader } from '../kube/pods.js';
import type { WorkloadClient } from '../kube/workloads.js';
import type { ImageReference, RegistryAccess, RegistryClient } from '../registry/index.js';

export interface PodTruthDeps {
  workloads: Pick<WorkloadClient, 'listUsing'>;
  pods: PodReader;
  nodes: NodeReader;
  registry: Pick<RegistryClient, 'getPlatforms'>;
}

export interface PodTruthInput {
  image: Image;
  ref: ImageReference;
  access: RegistryAccess;
  repository: string;
  tag: string;
  /** The registry's digest of `tag` now. */
  digest: string;
}

export interface PodTruthResult extends PodTruth {
  /** The tag whose digest the Pods were compared with. */
  tag: string;
  /** Workloads running a stale digest that no restart for this digest has touched yet. */
  restartable: string[];
}

/** Digest rules and restart actions are what running Pods are compared for. */
export function wantsPodTruth(image: Image): boolean {
  return image.spec.rules.some((r) => r.type === 'digest' || r.actions.some((a) => a.type === 'restart'));
}

function facts(
  pod: V1Pod,
  workload: string,
  repository: string,
  container: (name: string) => boolean,
): PodFacts {
  const statuses = new Map((pod.status?.containerStatuses ?? []).map((s) => [s.name, s.imageID]));
  return {
    workload,
    name: pod.metadata?.name ?? '',
    node: pod.spec?.nodeName,
    annotations: pod.metadata?.annotations ?? {},
    containers: (pod.spec?.containers ?? [])
      .filter((c) => c.image && repositoryOf(c.image) === repository && container(c.name))
      // An empty imageID is a container not started yet.
      .map((c) => ({ name: c.name, imageID: statuses.get(c.name) || undefined })),
  };
}

export async function podTruth(deps: PodTruthDeps, input: PodTruthInput): Promise<PodTruthResult> {
  const { image, repository } = input;
  const namespace = image.metadata.namespace ?? 'default';
  const targets = compileTargets(image.spec.targets);
  const listed = await deps.workloads.listUsing(namespace, repository);
  const users = listed.filter((w) => w.kind !== 'CronJob' && usesRepository(w, repository, targets));
  const [nodes, platforms, podLists] = await Promise.all([
    deps.nodes.platforms(),
    // By digest: content-addressed, so the index read once serves every later evaluation.
    deps.registry.getPlatforms(input.ref, input.digest, input.access),
    Promise.all(
      users.map(async (w) => {
        const selector = (w.spec as { selector?: V1LabelSelector } | undefined)?.selector;
        return selector ? deps.pods.list(namespace, selector, { fresh: true }) : [];
      }),
    ),
  ]);
  const pods: PodFacts[] = [];
  users.forEach((w, i) => {
    const t = targeted(w);
    for (const pod of podLists[i]!) {
      // Pending Pods count as not comparable yet (no imageID); finished and terminating ones not at all.
      const phase = pod.status?.phase;
      if (pod.metadata?.deletionTimestamp || (phase !== 'Running' && phase !== 'Pending')) continue;
      const f = facts(pod, describeWorkload(w), repository, (name) => targets.container(t, name));
      if (f.containers.length > 0) pods.push(f);
    }
  });
  const mark = rolloutMark(image.metadata.name ?? '', input.tag, input.digest);
  const truth = judgePods(pods, nodes, { digest: input.digest, platforms }, mark);
  const restartable = users
    .filter((w) => (truth.workloads.get(describeWorkload(w))?.stale ?? 0) > 0 && !carriesMark(w, mark))
    .map(describeWorkload);
  return { ...truth, tag: input.tag, restartable };
}
