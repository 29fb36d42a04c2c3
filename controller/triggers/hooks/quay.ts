// POST /v1/hooks/quay: Quay "Push to Repository" notifications (`docker_url`, `updated_tags`). Quay's
// webhook notification cannot sign or add headers, so the receiver authenticates with `?token=`.
import { arr, isObject, needStr, type Json } from './json.js';
import { BadPayloadError, type ParseResult, type RawEvent } from './types.js';

export function parseQuay(body: Json): ParseResult {
  if (!isObject(body)) throw new BadPayloadError('the body must be a Quay notification JSON object');
  const repository = needStr(body, 'docker_url', 'the pullable repository, e.g. quay.io/acme/web');
  const tags = arr(body, 'updated_tags');
  if (tags === undefined) {
    return { kind: 'ignored', reason: 'the notification has no updated_tags: it is not a repository push' };
  }
  const events: RawEvent[] = tags
    .filter((tag): tag is string => typeof tag === 'string' && tag !== '')
    .map((tag) => ({ repository, tag }));
  return { kind: 'events', events: events.length > 0 ? events : [{ repository }] };
}
