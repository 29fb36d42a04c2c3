// Registry webhooks (docs/triggers.md) to evaluations. Every replica serves the receivers; the leader
// queues the Images that follow the pushed repository and have a webhook trigger, and a follower hands
// the hook to the leader through the API (the refresh annotation), so no hook is lost to a Service that
// load-balances across replicas.
//
// When the hook names a tag, only Images whose tagFilter and rules could pick it are queued (a pure check
// of the spec, answered in the response); the others are left alone, so a rejected tag changes nothing.
// The leader also hands the tag to the evaluation, which asks the registry for it even if the tag list
// it caches (or the registry's own listing) does not show it yet.
import { REFRESH_ANNOTATION, type Image } from '../../crds/index.js';
import { repositoryOf } from '../../domain/image/repository.js';
import { considerTag } from '../../domain/rules/index.js';
import type { ImageApi } from '../kube/images.js';
import type { HookEvent, HookImageResult, HookMatch } from '../triggers/index.js';
import { imageKey, type Trigger } from './evaluate.js';

export interface HookRelayDeps {
  images: Pick<ImageApi, 'jsonPatch'>;
  list: () => Image[];
  leading: () => boolean;
  stopping: () => boolean;
  enqueue: (key: string, trigger: Trigger) => void;
  /** Tells the next evaluation of `key` that the hook named `tags` (leader only). */
  pushed?: (key: string, tags: readonly string[]) => void;
  now?: () => Date;
}

/** The hook handler's callback: resolves to the Images the hook applies to and what it did for each. */
export function hookRelay(deps: HookRelayDeps): (event: HookEvent) => Promise<HookMatch> {
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
    const answers = matches.map((img) => ({ img, ...answerFor(img, event) }));
    const accepted = answers.filter((a) => a.result.accepted);
    if (deps.leading()) {
      for (const { img, tags } of accepted) {
        const key = imageKey(img);
        if (tags.length > 0) deps.pushed?.(key, tags);
        deps.enqueue(key, 'webhook');
      }
    } else {
      const stamp = `webhook:${event.source}:${(deps.now?.() ?? new Date()).toISOString()}`;
      await Promise.all(accepted.map(({ img }) => deps.images.jsonPatch(...refreshRequest(img, stamp))));
    }
    return { matched: matches.length, results: answers.map((a) => a.result) };
  };
}

/** Whether the Image's rules could pick a tag the event names, and which tags they could. */
function answerFor(img: Image, event: HookEvent): { result: HookImageResult; tags: string[] } {
  const image = imageKey(img);
  if (event.tags.length === 0) {
    return {
      result: { image, accepted: true, reason: 'the hook names no tag; the rules decide with the registry' },
      tags: [],
    };
  }
  const current = img.status?.tag || img.spec.baseTag || 'latest';
  const verdicts = event.tags.map((tag) => ({
    tag,
    ...considerTag({ rules: img.spec.rules, filter: img.spec.tagFilter, current, tag }),
  }));
  const ok = verdicts.filter((v) => v.accepted);
  // The last tag named is the one a push is about (docs/triggers.md); prefer an accepted one.
  const shown = ok[ok.length - 1] ?? verdicts[verdicts.length - 1]!;
  return {
    result: { image, tag: shown.tag, accepted: shown.accepted, reason: shown.reason },
    tags: ok.map((v) => v.tag),
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
