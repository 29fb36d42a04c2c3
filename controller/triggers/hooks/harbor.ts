// POST /v1/hooks/harbor: Harbor webhook policies (HTTP, JSON payload). Only PUSH_ARTIFACT asks for an
// evaluation; each resource's resource_url (`harbor.example.com/library/app:1.2`) carries the host Harbor
// is reached at. `?registry=` replaces that host when Images name Harbor differently.
import { arr, isObject, needStr, str, type Json } from './json.js';
import { BadPayloadError, type ParseContext, type ParseResult, type RawEvent } from './types.js';

export function parseHarbor(body: Json, ctx: ParseContext): ParseResult {
  if (!isObject(body)) throw new BadPayloadError('the body must be a Harbor webhook JSON object');
  const type = needStr(body, 'type', 'the Harbor event type, e.g. PUSH_ARTIFACT');
  if (type !== 'PUSH_ARTIFACT') return { kind: 'ignored', reason: `event type ${type} is not a push` };
  const fullName = str(body, 'event_data.repository.repo_full_name');
  const resources = arr(body, 'event_data.resources') ?? [];

  const events: RawEvent[] = [];
  for (const resource of resources) {
    const url = str(resource, 'resource_url');
    const tag = str(resource, 'tag');
    const digest = str(resource, 'digest');
    events.push({
      repository: repositoryOf(url, fullName, ctx.registry),
      // Harbor fills `tag` with the digest for pushes by digest.
      ...(tag === undefined || tag.startsWith('sha256:') ? {} : { tag }),
      ...(digest === undefined ? {} : { digest }),
    });
  }
  if (events.length === 0) events.push({ repository: repositoryOf(undefined, fullName, ctx.registry) });
  return { kind: 'events', events };
}

function repositoryOf(
  url: string | undefined,
  fullName: string | undefined,
  registry: string | undefined,
): string {
  if (registry !== undefined && fullName !== undefined) return `${registry}/${fullName}`;
  if (url !== undefined) {
    const path = url.replace(/^[a-z]+:\/\//i, '');
    if (registry === undefined) return path;
    return `${registry}/${path.slice(path.indexOf('/') + 1)}`;
  }
  if (fullName === undefined) {
    throw new BadPayloadError(
      'the payload names no repository (event_data.resources[].resource_url or event_data.repository.repo_full_name)',
    );
  }
  throw new BadPayloadError(
    'the payload has no resource_url to tell the registry host; add ?registry=<harbor host> to the webhook URL',
  );
}
