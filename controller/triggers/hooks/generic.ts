// POST /v1/hooks/generic: for CI systems and scripts. Body `{"repository": "ghcr.io/acme/web", "tag": "1.2.3"}`
// (tag and digest optional), signed with HMAC-SHA256 in X-Tagpilot-Signature.
import { isObject, needStr, str, type Json } from './json.js';
import { BadPayloadError, type ParseResult } from './types.js';

export function parseGeneric(body: Json): ParseResult {
  if (!isObject(body)) {
    throw new BadPayloadError(
      'the body must be a JSON object such as {"repository": "ghcr.io/acme/web", "tag": "1.2.3"}',
    );
  }
  for (const field of ['tag', 'digest'] as const) {
    if (body[field] !== undefined && typeof body[field] !== 'string') {
      throw new BadPayloadError(`${field} must be a string`);
    }
  }
  const repository = needStr(body, 'repository', 'the image repository, e.g. ghcr.io/acme/web');
  const tag = str(body, 'tag');
  const digest = str(body, 'digest');
  return {
    kind: 'events',
    events: [
      { repository, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) },
    ],
  };
}
