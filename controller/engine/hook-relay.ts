// Registry webhooks (docs/triggers.md) to evaluations. Every replica serves the receivers; the leader
// queues the Images that follow the pushed repository and have a webhook trigger, and a follower hands
// the hook to the leader through the API (the refresh annotation), so no hook is lost to a Service that
// load-balances across replicas.
import { REFRESH_ANNOTATION, type Image } from '../../crds/index.js';
import { repositoryOf } from '../../domain/image/repository.js';
import type { ImageApi } from '../kube/images.js';
import type { HookEvent } from '../triggers/index.js';
import { imageKey, type Trigger } from './evaluate.js';

export interface HookRelayDeps {
  images: Pick<ImageApi, 'jsonPatch'>;
  list: () => Image[];
  leading: () => boolean;
  stopping: () => boolean;
  enqueue: (key: string, trigger: Trigger) => void;
  now?: () => Date;
}

/** The hook handler's callback: resolves to the number of Images the hook applies to. */
export function hookRelay(deps: HookRelayDeps): (event: HookEvent) => Promise<number> {
  return async (event) => {
    if (deps.stopping()) throw new Error('the controller is shutting down');
    const matches = deps
      .list()
      .filter(
        (img) =>
          !img.spec.suspend &&
          img.spec.triggers.some((t) => t.type === 'webhook') &&
          repositoryOf(img.spec.image) === event.repository,
      );
    if (deps.leading()) {
      for (const img of matches) deps.enqueue(imageKey(img), 'webhook');
      return matches.length;
    }
    const stamp = `webhook:${event.source}:${(deps.now?.() ?? new Date()).toISOString()}`;
    await Promise.all(matches.map((img) => deps.images.jsonPatch(...refreshRequest(img, stamp))));
    return matches.length;
  };
}

/** A JSON patch that sets the refresh annotation to `value`. */
function refreshRequest(img: Image, value: string): [string, string, object[]] {
  const path = `/metadata/annotations/${REFRESH_ANNOTATION.replace('/', '~1')}`;
  return [
    img.metadata.namespace ?? 'default',
    img.metadata.name ?? '',
    [
      ...(img.metadata.annotations ? [] : [{ op: 'add', path: '/metadata/annotations', value: {} }]),
      { op: 'add', path, value },
    ],
  ];
}
