// Which workloads and containers an Image's actions touch, and the patches that touch them. Pure.
//
// A container belongs to an Image when its image reference names the same repository after
// normalisation (domain/image/repository.ts, shared with the admission webhook's pins) and, when the
// Image has spec.targets, a target names its workload and container (domain/targets). Patches are JSON
// patches by container index, each `replace` preceded by a `test` of the value we read: if anyone
// changed that container meanwhile the apiserver rejects the patch and the caller reads again, instead
// of overwriting their edit or patching the wrong container.
import { createHash } from 'node:crypto';
import { newReference, repositoryOf } from '../../domain/image/repository.js';
import { compileTargets, type TargetedWorkload, type Targets } from '../../domain/targets/targets.js';
import { containerLists, podSpecOf, podSpecPath, repositoriesOf } from '../kube/pod-spec.js';
import type { Workload, WorkloadKind } from '../kube/workloads.js';

/** The kubectl annotation `kubectl rollout restart` sets; users recognise it in `kubectl describe`. */
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

export interface JsonPatchOp {
  op: 'test' | 'replace' | 'add';
  path: string;
  value: unknown;
}

export interface ContainerChange {
  container: string;
  init: boolean;
  from: string;
  to: string;
}

export interface ApplyPlan {
  changes: ContainerChange[];
  patch: JsonPatchOp[];
}

/**
 * Pod-template annotation `rollout.tagpilot.dev/<Image name>: <tag>[@digest]`: the change an Image last
 * rolled this workload for. apply writes it in the same patch as the new image and restart in the same
 * patch as its restartedAt, so the mark and the rollout it caused land together or not at all. A run
 * interrupted after patching some workloads (a killed controller) is re-run by the next controller; the
 * mark tells its restart which workloads already rolled for this change (docs/controller.md).
 */
export const ROLLOUT_ANNOTATION_PREFIX = 'rollout.tagpilot.dev/';

export interface RolloutMark {
  key: string;
  value: string;
}

/** The mark of `tag` (and `digest` when known) for the Image named `imageName`. */
export function rolloutMark(imageName: string, tag: string, digest?: string): RolloutMark {
  // An annotation name is at most 63 characters; Image names may be longer (DNS subdomains).
  const name =
    imageName.length <= 63
      ? imageName
      : `${imageName.slice(0, 54)}-${createHash('sha256').update(imageName).digest('hex').slice(0, 8)}`;
  return { key: `${ROLLOUT_ANNOTATION_PREFIX}${name}`, value: digest ? `${tag}@${digest}` : tag };
}

function templateMetadataPath(kind: WorkloadKind): string {
  return podSpecPath(kind).replace(/\/spec$/, '/metadata');
}

function templateMetadata(workload: Workload): { annotations?: Record<string, string> } | undefined {
  let node: unknown = workload;
  for (const part of templateMetadataPath(workload.kind).split('/').slice(1)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === 'object' && node !== null
    ? (node as { annotations?: Record<string, string> })
    : undefined;
}

/**
 * Whether the workload's template already carries `mark`: it rolled for this change. When the change's
 * digest is unknown now, the tag decides; a mark without a digest never stands for a change with one
 * (a new digest behind the same tag must roll).
 */
export function carriesMark(workload: Workload, mark: RolloutMark): boolean {
  const have = templateMetadata(workload)?.annotations?.[mark.key];
  if (have === undefined) return false;
  const [haveTag, haveDigest] = have.split('@');
  const [wantTag, wantDigest] = mark.value.split('@');
  return haveTag === wantTag && (!wantDigest || haveDigest === wantDigest);
}

/** JSON patch operations that set `mark` on the template, whatever of its metadata exists. */
function markOps(workload: Workload, mark: RolloutMark): JsonPatchOp[] {
  const base = templateMetadataPath(workload.kind);
  const meta = templateMetadata(workload);
  if (!meta) return [{ op: 'add', path: base, value: { annotations: { [mark.key]: mark.value } } }];
  if (!meta.annotations) {
    return [{ op: 'add', path: `${base}/annotations`, value: { [mark.key]: mark.value } }];
  }
  const escaped = mark.key.replace(/~/g, '~0').replace(/\//g, '~1');
  return [{ op: 'add', path: `${base}/annotations/${escaped}`, value: mark.value }];
}

const EVERYTHING = compileTargets(undefined);

export function targeted(workload: Workload): TargetedWorkload {
  return {
    kind: workload.kind,
    name: workload.metadata.name ?? '',
    ...(workload.metadata.labels ? { labels: workload.metadata.labels } : {}),
  };
}

/**
 * Whether any container or init container of the workload uses `repository` (`domain/path`) and is
 * targeted.
 */
export function usesRepository(
  workload: Workload,
  repository: string,
  targets: Targets = EVERYTHING,
): boolean {
  // Most workloads of a namespace do not use the repository: a memoised set answers that at once.
  if (!repositoriesOf(workload).has(repository)) return false;
  const w = targeted(workload);
  if (!targets.workload(w)) return false;
  return containerLists(podSpecOf(workload)).some(({ list }) =>
    list.some((c) => repositoryOf(c.image) === repository && targets.container(w, c.name)),
  );
}

/** The targeted containers and init containers of `workload` that use `repository`, as written. */
export function repositoryContainers(
  workload: Workload,
  repository: string,
  targets: Targets = EVERYTHING,
): { name: string; init: boolean; image: string }[] {
  const w = targeted(workload);
  if (!targets.workload(w)) return [];
  return containerLists(podSpecOf(workload)).flatMap(({ init, list }) =>
    list
      .filter((c) => c.image && repositoryOf(c.image) === repository && targets.container(w, c.name))
      .map((c) => ({ name: c.name, init, image: c.image! })),
  );
}

/**
 * The containers of `workload` that use `repository` and do not yet run `tag` (with `digest` when
 * pinned), and the JSON patch that moves them. Empty when there is nothing to do, which makes apply
 * idempotent: running it again after a success changes nothing.
 */
export function planApply(
  workload: Workload,
  repository: string,
  tag: string,
  digest?: string,
  targets: Targets = EVERYTHING,
  mark?: RolloutMark,
): ApplyPlan {
  const base = podSpecPath(workload.kind);
  const w = targeted(workload);
  const changes: ContainerChange[] = [];
  const patch: JsonPatchOp[] = [];
  for (const { init, key, list } of containerLists(podSpecOf(workload))) {
    list.forEach((c, index) => {
      if (!c.image || repositoryOf(c.image) !== repository || !targets.container(w, c.name)) return;
      const to = newReference(c.image, tag, digest);
      if (to === c.image) return;
      const path = `${base}/${key}/${index}/image`;
      patch.push({ op: 'test', path, value: c.image }, { op: 'replace', path, value: to });
      changes.push({ container: c.name, init, from: c.image, to });
    });
  }
  if (mark && patch.length > 0) patch.push(...markOps(workload, mark));
  return { changes, patch };
}

/**
 * Strategic merge patch that restarts a rollout the way `kubectl rollout restart` does. CronJobs are
 * not restarted: they have no running Pods to replace, and their next Job uses the current template.
 */
export function restartPatch(
  kind: WorkloadKind,
  at: Date,
  mark?: RolloutMark,
): Record<string, unknown> | undefined {
  if (kind === 'CronJob') return undefined;
  const stamp = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const annotations = { [RESTARTED_AT_ANNOTATION]: stamp, ...(mark ? { [mark.key]: mark.value } : {}) };
  return { spec: { template: { metadata: { annotations } } } };
}

export const describeWorkload = (w: Pick<Workload, 'kind' | 'metadata'>) =>
  `${w.kind}/${w.metadata.name ?? ''}`;

export interface RollbackPlan {
  patch: JsonPatchOp[];
  /** Containers put back to their previous reference. */
  reverted: string[];
  /** Containers that no longer run the reference apply wrote: someone changed them since; left alone. */
  changed: string[];
}

/**
 * The JSON patch that puts back `containers` (what apply changed) to their previous references. Each
 * `replace` is preceded by a `test` of the reference apply wrote, so a later edit by anyone is never
 * overwritten: a container that no longer runs it is left out (and a concurrent edit fails the patch).
 */
export function planRollback(
  workload: Workload,
  containers: readonly { name: string; init?: boolean; from: string; to: string }[],
): RollbackPlan {
  const base = podSpecPath(workload.kind);
  const lists = containerLists(podSpecOf(workload));
  const plan: RollbackPlan = { patch: [], reverted: [], changed: [] };
  for (const c of containers) {
    const list = lists.find((l) => l.init === (c.init ?? false));
    const index = list?.list.findIndex((x) => x.name === c.name) ?? -1;
    if (!list || index < 0 || list.list[index]!.image !== c.to) {
      plan.changed.push(c.name);
      continue;
    }
    const at = `${base}/${list.key}/${index}`;
    plan.patch.push(
      { op: 'test', path: `${at}/name`, value: c.name },
      { op: 'test', path: `${at}/image`, value: c.to },
      { op: 'replace', path: `${at}/image`, value: c.from },
    );
    plan.reverted.push(c.name);
  }
  return plan;
}
