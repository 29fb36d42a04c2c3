// The Image the operator keeps for each followed container of an annotated workload: named from the
// workload and container, owned by the workload (deleting it deletes the Image), targeting exactly that
// workload and container. Pure: the operator applies what this returns and deletes the managed Images
// it no longer returns. Each Image passes the one Image validator before it is returned, so an
// annotation the API would reject becomes a Warning Event on the workload, not a failed write.
import { API_GROUP_VERSION, type FieldError, type Image } from '../../crds/index.js';
import { parseImageReference } from '../image/reference.js';
import { imageErrors } from '../image/validate.js';
import {
  ALERT_ANNOTATION,
  FOLLOW_ANNOTATION,
  RULE_HINT,
  SCHEDULE_ANNOTATION,
  followSettings,
  type ContainerFollow,
} from './annotations.js';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'tagpilot';
/** Label of a managed Image: the uid of the workload it follows (a uid always fits a label value). */
export const WORKLOAD_UID_LABEL = 'tagpilot.dev/workload-uid';
/** Label of a managed Image: the container it follows. */
export const CONTAINER_LABEL = 'tagpilot.dev/container';
/** Annotation of a managed Image: `Kind/name` of the workload, for people (names may exceed 63 chars). */
export const WORKLOAD_ANNOTATION = 'tagpilot.dev/workload';

export interface FollowedContainer {
  name: string;
  image?: string;
  init: boolean;
}

export interface FollowedWorkload {
  apiVersion: string;
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'CronJob';
  name: string;
  namespace: string;
  uid: string;
  annotations: Readonly<Record<string, string>>;
  containers: readonly FollowedContainer[];
  /** Pull Secret names of the pod template and of its ServiceAccount, in that order. */
  pullSecrets: readonly string[];
}

export interface FollowDefaults {
  /** Crontab trigger value when the workload has no schedule annotation, e.g. `@every 5m`. */
  schedule: string;
}

export interface ManagedImages {
  images: Image[];
  problems: string[];
}

/** 32-bit FNV-1a as 8 hex digits: a stable suffix that keeps names unique after truncation. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/**
 * `<kind>-<name>-<container>-<hash>` lower-cased, at most 63 characters (so it also fits label values
 * and `kubectl get` columns). The hash of the unshortened identity keeps `web`+`a-b` and `web-a`+`b`
 * apart and names unique when the readable part is cut.
 */
export function managedImageName(kind: string, name: string, container: string): string {
  const hash = fnv1a(`${kind}/${name}/${container}`);
  const readable = `${kind}-${name}-${container}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 63 - hash.length - 1)
    .replace(/-+$/, '');
  return `${readable}-${hash}`;
}

/** Repository as the container names it (the user's spelling), and its tag. */
function splitReference(image: string): { repository: string; tag?: string; digestOnly: boolean } {
  const ref = parseImageReference(image);
  let name = image;
  const at = name.indexOf('@');
  if (at !== -1) name = name.slice(0, at);
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) name = name.slice(0, colon);
  return {
    repository: name,
    ...(ref.tag !== undefined ? { tag: ref.tag } : {}),
    digestOnly: ref.tag === undefined && ref.digest !== undefined,
  };
}

/** Which annotation a validator field error comes from. */
function annotationOf(field: string, follow: ContainerFollow, ownSchedule: boolean): string {
  if (field.startsWith('spec.triggers'))
    return ownSchedule ? SCHEDULE_ANNOTATION : 'the operator flag --follow-default-schedule';
  if (field.startsWith('spec.rules') && field.includes('alertConfigRef')) return ALERT_ANNOTATION;
  return follow.annotation;
}

function describeError(e: FieldError, follow: ContainerFollow, ownSchedule: boolean): string {
  const annotation = annotationOf(e.field, follow, ownSchedule);
  const hint = annotation === follow.annotation && e.field.startsWith('spec.rules') ? `; ${RULE_HINT}` : '';
  const source = annotation.startsWith('tagpilot.dev/') ? `annotation ${annotation}` : annotation;
  return `${source} (container ${follow.container}): ${e.field}: ${e.message}${hint}`;
}

/** The managed Images an annotated workload should have, and what is wrong with its annotations. */
export function managedImages(w: FollowedWorkload, defaults: FollowDefaults): ManagedImages {
  const settings = followSettings(w.annotations, w.containers);
  const problems = [...settings.problems];
  const images: Image[] = [];
  for (const follow of settings.containers) {
    const container = w.containers.find((c) => c.name === follow.container);
    let ref: ReturnType<typeof splitReference>;
    try {
      ref = splitReference(container?.image ?? '');
    } catch (err) {
      problems.push(
        `container ${follow.container}: image ${JSON.stringify(container?.image ?? '')}: ${(err as Error).message}`,
      );
      continue;
    }
    if (ref.digestOnly) {
      problems.push(
        `container ${follow.container}: image ${container?.image ?? ''} names a digest without a tag; give it the tag to follow (repo:latest@sha256:…)`,
      );
      continue;
    }
    const actions: Image['spec']['rules'][number]['actions'] = settings.actions.map((type) => ({ type }));
    if (settings.alert) actions.push({ type: 'alert', alertConfigRef: { name: settings.alert } });
    const image: Image = {
      apiVersion: API_GROUP_VERSION,
      kind: 'Image',
      metadata: {
        name: managedImageName(w.kind, w.name, follow.container),
        namespace: w.namespace,
        labels: {
          [MANAGED_BY_LABEL]: MANAGED_BY,
          [WORKLOAD_UID_LABEL]: w.uid,
          [CONTAINER_LABEL]: follow.container,
        },
        annotations: { [WORKLOAD_ANNOTATION]: `${w.kind}/${w.name}` },
        ownerReferences: [
          {
            apiVersion: w.apiVersion,
            kind: w.kind,
            name: w.name,
            uid: w.uid,
            controller: true,
            blockOwnerDeletion: false,
          },
        ],
      },
      spec: {
        image: ref.repository,
        baseTag: ref.tag ?? 'latest',
        ...(w.pullSecrets.length
          ? { imagePullSecrets: [...new Set(w.pullSecrets)].map((name) => ({ name })) }
          : {}),
        triggers: [{ type: 'crontab', value: settings.schedule ?? defaults.schedule }, { type: 'webhook' }],
        rules: [
          {
            name: 'follow',
            type: follow.rule.type as Image['spec']['rules'][number]['type'],
            ...(follow.rule.value !== undefined ? { value: follow.rule.value } : {}),
            actions,
          },
        ],
        targets: [{ kind: w.kind, name: w.name, containers: [follow.container] }],
      },
    };
    const errors = imageErrors(image);
    if (errors.length)
      problems.push(...errors.map((e) => describeError(e, follow, settings.schedule !== undefined)));
    else images.push(image);
  }
  if (
    settings.containers.length === 0 &&
    problems.length === 0 &&
    w.annotations[FOLLOW_ANNOTATION] !== undefined
  ) {
    problems.push(
      `annotation ${FOLLOW_ANNOTATION}: no container is left to follow (every container is marked none)`,
    );
  }
  return { images, problems };
}
