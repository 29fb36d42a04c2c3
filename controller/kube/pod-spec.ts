// Where a workload kind keeps its Pod template, and which repositories its containers name. Beside the
// Workload type because the watch caches' index by repository (cache-index.ts, workloads.ts) files every
// workload by it; actions/workloads.ts builds its patches on the same paths.
import type { V1Container, V1PodSpec } from '@kubernetes/client-node';
import { repositoryOf } from '../../domain/image/repository.js';
import type { Workload, WorkloadKind } from './workloads.js';

/** JSON pointer of the pod template spec of a workload kind. */
export function podSpecPath(kind: WorkloadKind): string {
  return kind === 'CronJob' ? '/spec/jobTemplate/spec/template/spec' : '/spec/template/spec';
}

export function podSpecOf(workload: Workload): V1PodSpec | undefined {
  let node: unknown = workload;
  for (const part of podSpecPath(workload.kind).split('/').slice(1)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === 'object' && node !== null ? (node as V1PodSpec) : undefined;
}

/** The containers and the init containers of a Pod spec, each with its key in the spec. */
export function containerLists(
  spec: V1PodSpec | undefined,
): { init: boolean; key: string; list: V1Container[] }[] {
  if (!spec) return [];
  return [
    { init: false, key: 'containers', list: spec.containers ?? [] },
    { init: true, key: 'initContainers', list: spec.initContainers ?? [] },
  ];
}

const repositoriesByWorkload = new WeakMap<Workload, ReadonlySet<string>>();

/**
 * The repositories the containers and init containers of `workload` name. Memoised per object: the
 * watch caches' index by repository (cache-index.ts) files every workload by it, listUsing and
 * usesRepository ask it again of the workloads they return, and the caches hand out the same object
 * until the workload changes (a change is a new object), so the object itself is the key and a
 * forgotten one is collected with it. Callers never modify a workload.
 */
export function repositoriesOf(workload: Workload): ReadonlySet<string> {
  let found = repositoriesByWorkload.get(workload);
  if (found) return found;
  const names = new Set<string>();
  for (const { list } of containerLists(podSpecOf(workload))) {
    for (const c of list) {
      const repository = repositoryOf(c.image);
      if (repository !== undefined) names.add(repository);
    }
  }
  repositoriesByWorkload.set(workload, (found = names));
  return found;
}
