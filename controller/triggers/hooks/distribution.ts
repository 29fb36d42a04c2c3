// POST /v1/hooks/distribution: notification envelopes of the CNCF Distribution registry (`registry:2`,
// `application/vnd.docker.distribution.events.v1+json`). One envelope carries many events: manifest
// pushes (by tag, or by digest for the members of an index) count; pulls, deletes, mounts and blob pushes
// do not. The host is the one the push was sent to (request.host), unless `?registry=` says otherwise.
import { arr, isObject, str, type Json } from './json.js';
import { BadPayloadError, type ParseContext, type ParseResult, type RawEvent } from './types.js';

function isManifest(mediaType: string | undefined): boolean {
  return mediaType !== undefined && /manifest|image\.index/.test(mediaType);
}

export function parseDistribution(body: Json, ctx: ParseContext): ParseResult {
  if (!isObject(body)) throw new BadPayloadError('the body must be a Distribution notification envelope');
  const list = arr(body, 'events');
  if (list === undefined) throw new BadPayloadError('the envelope has no events array');

  const events: RawEvent[] = [];
  for (const [i, event] of list.entries()) {
    if (str(event, 'action') !== 'push') continue;
    const tag = str(event, 'target.tag');
    if (tag === undefined && !isManifest(str(event, 'target.mediaType'))) continue;
    const name = str(event, 'target.repository');
    if (name === undefined) throw new BadPayloadError(`events[${i}] is a push without target.repository`);
    const host = ctx.registry ?? str(event, 'request.host') ?? hostOf(str(event, 'target.url'));
    if (host === undefined) {
      throw new BadPayloadError(
        `events[${i}] names no registry host (request.host); add ?registry=<host:port> to the endpoint URL`,
      );
    }
    const digest = str(event, 'target.digest');
    events.push({
      repository: `${host}/${name}`,
      ...(tag === undefined ? {} : { tag }),
      ...(digest === undefined ? {} : { digest }),
    });
  }
  if (events.length === 0) return { kind: 'ignored', reason: 'the envelope has no manifest push events' };
  return { kind: 'events', events };
}

function hostOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).host || undefined;
  } catch {
    return undefined;
  }
}
