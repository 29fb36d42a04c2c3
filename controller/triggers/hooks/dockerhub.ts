// POST /v1/hooks/dockerhub: Docker Hub repository webhooks (`repository.repo_name`, `push_data.tag`).
// Docker Hub cannot sign or add headers, so the receiver authenticates with `?token=` in the URL. The
// payload's callback_url is deliberately not called: it would let any caller make us fetch a URL.
import { isObject, needStr, str, type Json } from './json.js';
import { BadPayloadError, type ParseResult } from './types.js';

export function parseDockerHub(body: Json): ParseResult {
  if (!isObject(body)) throw new BadPayloadError('the body must be a Docker Hub webhook JSON object');
  const repository = needStr(body, 'repository.repo_name', 'the Docker Hub repository, e.g. acme/web');
  const tag = str(body, 'push_data.tag');
  return { kind: 'events', events: [{ repository, ...(tag === undefined ? {} : { tag }) }] };
}
