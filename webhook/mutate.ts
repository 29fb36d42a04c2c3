// The mutating webhook's decision (docs/operator.md, "Mutating webhook") as a pure function: object and pins in, JSON patch out.
import type { JsonPatchOp } from './admission.js';
import type { Image } from '../crds/index.js';
import { newReference, repositoryOf } from '../domain/image/repository.js';
import { namespacePins, type NamespacePins } from './pins.js';

/** Where the pod spec sits in each kind the webhook handles (JSON pointer, no trailing slash). */
export const POD_SPEC_PATHS: Readonly<Record<string, string>> = {
  'core/Pod': '/spec',
  'apps/Deployment': '/spec/template/spec',
  'apps/StatefulSet': '/spec/template/spec',
  'apps/DaemonSet': '/spec/template/spec',
  'apps/ReplicaSet': '/spec/template/spec',
  'batch/Job': '/spec/template/spec',
  'batch/CronJob': '/spec/jobTemplate/spec/template/spec',
};

/**
 * Objects a workload creates from its template are left alone: the template is the source of truth
 * (it was pinned), and pinning its children to a newer tag than the template would roll out a version
 * behind the controller's back (a rescheduled Pod of an old ReplicaSet must not jump ahead; a
 * Deployment's ReplicaSet, scaled back up by `kubectl rollout undo`, must keep the template it has).
 */
const TEMPLATED_OWNERS: Readonly<Record<string, ReadonlySet<string>>> = {
  'core/Pod': new Set(['apps/ReplicaSet', 'apps/StatefulSet', 'apps/DaemonSet', 'batch/Job']),
  'apps/ReplicaSet': new Set(['apps/Deployment']),
  'batch/Job': new Set(['batch/CronJob']),
};

/** Pod-template annotations the controller writes with each rollout (`rollout.tagpilot.dev/<Image>`). */
const ROLLOUT_MARK_PREFIX = 'rollout.tagpilot.dev/';

export interface PinResult {
  patch: JsonPatchOp[];
  warnings: string[];
  /** `container → new reference`, for logs and metrics. */
  changes: { path: string; from: string; to: string }[];
}

interface ContainerLike {
  name?: unknown;
  image?: unknown;
}

/** `group/Kind` as used in POD_SPEC_PATHS; the core group is spelled `core`. */
export function kindKey(group: string, kind: string): string {
  return `${group === '' ? 'core' : group}/${kind}`;
}

const POINTER_PARTS = new Map<string, string[]>();

function at(obj: unknown, pointer: string): unknown {
  let parts = POINTER_PARTS.get(pointer);
  if (!parts) POINTER_PARTS.set(pointer, (parts = pointer.split('/').slice(1)));
  let cur = obj;
  for (const part of parts) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function ownedByTemplatedWorkload(key: string, object: unknown): boolean {
  const owners = TEMPLATED_OWNERS[key];
  if (!owners) return false;
  const refs = at(object, '/metadata/ownerReferences');
  if (!Array.isArray(refs)) return false;
  return refs.some((ref: { controller?: unknown; apiVersion?: unknown; kind?: unknown }) => {
    if (ref?.controller !== true || typeof ref.apiVersion !== 'string' || typeof ref.kind !== 'string') {
      return false;
    }
    const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0]! : '';
    return owners.has(kindKey(group, ref.kind));
  });
}

function rolloutMarks(object: unknown, templatePath: string): string {
  const annotations = at(object, `${templatePath}/metadata/annotations`);
  if (annotations === null || typeof annotations !== 'object') return '';
  return Object.entries(annotations)
    .filter(([k]) => k.startsWith(ROLLOUT_MARK_PREFIX))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join('\n');
}

/**
 * An update that changes the controller's rollout marks on the pod template puts back a whole older
 * template (`kubectl rollout undo` restores a ReplicaSet's, marks included; nobody else writes them):
 * a hand rollback, admitted as it is. The controller sees it next and records a hold (status.holds).
 */
function restoresTemplate(specPath: string, object: unknown, oldObject: unknown): boolean {
  if (oldObject === undefined || specPath === '/spec') return false;
  const template = specPath.slice(0, -'/spec'.length);
  return rolloutMarks(object, template) !== rolloutMarks(oldObject, template);
}

/**
 * JSON patch that moves every container and init container whose repository has a pin to the pinned
 * reference. Unknown kinds, containers that already run the pin, unparsable references, repositories
 * without a pin, workloads an Image holds and template restores (`oldObject` is the object an UPDATE
 * replaces) produce no operation.
 */
export function pinPatch(
  group: string,
  kind: string,
  object: unknown,
  pins: NamespacePins,
  oldObject?: unknown,
): PinResult {
  const result: PinResult = { patch: [], warnings: [], changes: [] };
  const key = kindKey(group, kind);
  const specPath = POD_SPEC_PATHS[key];
  if (specPath === undefined) return result;
  if (pins.byRepository.size === 0 && pins.conflicts.size === 0) return result;
  if (ownedByTemplatedWorkload(key, object)) return result;
  if (restoresTemplate(specPath, object, oldObject)) return result;
  const held = pins.held.size > 0 ? `${kind}/${String(at(object, '/metadata/name') ?? '')}` : '';
  const spec = at(object, specPath);
  if (spec === null || typeof spec !== 'object') return result;
  const warned = new Set<string>();
  for (const list of ['initContainers', 'containers'] as const) {
    const containers = (spec as Record<string, unknown>)[list];
    if (!Array.isArray(containers)) continue;
    containers.forEach((c: ContainerLike, i) => {
      if (typeof c?.image !== 'string') return;
      const repository = repositoryOf(c.image);
      if (repository === undefined) return;
      const conflict = pins.conflicts.get(repository);
      if (conflict !== undefined && !warned.has(repository)) {
        warned.add(repository);
        result.warnings.push(`tagpilot: ${conflict}`);
      }
      const pin = pins.byRepository.get(repository);
      if (!pin || pins.held.get(repository)?.has(held)) return;
      const to = newReference(c.image, pin.tag, pin.digest);
      if (to === c.image) return;
      const path = `${specPath}/${list}/${i}/image`;
      result.patch.push({ op: 'replace', path, value: to });
      result.changes.push({ path, from: c.image, to });
    });
  }
  return result;
}

/** The same from the Images of the object's namespace; the server uses precomputed pins instead. */
export function planPins(group: string, kind: string, object: unknown, images: readonly Image[]): PinResult {
  return pinPatch(group, kind, object, namespacePins(images));
}
