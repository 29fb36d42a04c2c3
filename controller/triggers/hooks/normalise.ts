// Turns what payloads name into HookEvents whose repository compares equal to an Image's spec.image after
// the same parsing (`nginx` → `docker.io/library/nginx`), one event per repository.
import { errorMessage } from '../../../common/errors.js';
import { parseImageReference, repositoryName, validateDigest } from '../../registry/index.js';
import { BadPayloadError, type HookEvent, type HookSource, type RawEvent } from './types.js';

export function toHookEvents(source: HookSource, raws: readonly RawEvent[]): HookEvent[] {
  const byRepository = new Map<string, HookEvent>();
  for (const raw of raws) {
    let parsed;
    try {
      parsed = parseImageReference(raw.repository);
    } catch (err) {
      throw new BadPayloadError(errorMessage(err));
    }
    const { domain, registry, repository: path } = parsed;
    const reference = { domain, registry, repository: path };
    const repository = repositoryName(reference);
    const tag = raw.tag ?? parsed.tag;
    if (tag !== undefined) {
      try {
        parseImageReference(`${repository}:${tag}`);
      } catch (err) {
        throw new BadPayloadError(errorMessage(err));
      }
    }
    // A digest is a hint for the controller; one it could not use is dropped rather than failing the hook.
    const digest = validDigest(raw.digest ?? parsed.digest);

    const existing = byRepository.get(repository);
    if (existing === undefined) {
      byRepository.set(repository, {
        source,
        repository,
        reference,
        tags: tag === undefined ? [] : [tag],
        ...(tag === undefined ? {} : { tag }),
        ...(digest === undefined ? {} : { digest }),
      });
      continue;
    }
    if (tag !== undefined) {
      existing.tags = [...existing.tags.filter((t) => t !== tag), tag];
      existing.tag = tag;
      // The digest that came with a tag (an index) beats the untagged members pushed before it.
      if (digest !== undefined) existing.digest = digest;
    } else if (existing.digest === undefined && digest !== undefined) {
      existing.digest = digest;
    }
  }
  return [...byRepository.values()];
}

function validDigest(digest: string | undefined): string | undefined {
  if (digest === undefined) return undefined;
  try {
    validateDigest(digest, digest);
    return digest;
  } catch {
    return undefined;
  }
}
