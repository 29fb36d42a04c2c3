// Which repository a container's image reference names, and that reference moved to another tag. The
// admission webhook (pins) and the controller's apply action match containers to Images with these, so
// both agree on what "the same repository" is: `nginx`, `docker.io/library/nginx:1.25` and
// `index.docker.io/library/nginx@sha256:…` are one repository.
import { parseImageReference, repositoryName } from './reference.js';

const CACHE_MAX = 10_000;
const cache = new Map<string, string | undefined>();

/**
 * `domain/repository` of an image reference (Docker Hub names normalised), or undefined when it does not
 * parse. Memoised: a cluster uses a few hundred distinct references, and every admitted Pod and every
 * workload scan repeats them.
 */
export function repositoryOf(reference: string | undefined): string | undefined {
  if (!reference) return undefined;
  const cached = cache.get(reference);
  if (cached !== undefined || cache.has(reference)) return cached;
  let repository: string | undefined;
  try {
    repository = repositoryName(parseImageReference(reference));
  } catch {
    repository = undefined;
  }
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(reference, repository);
  return repository;
}

/**
 * The reference moved to `tag` (and `@digest` when the digest is pinned), keeping the user's spelling of
 * the repository (`nginx` stays `nginx`, not `docker.io/library/nginx`). A digest already in the
 * reference is dropped unless a new one is given: it would otherwise win over the new tag at pull time.
 */
export function newReference(reference: string, tag: string, digest?: string): string {
  let name = reference;
  const at = name.indexOf('@');
  if (at !== -1) name = name.slice(0, at);
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) name = name.slice(0, colon);
  return digest ? `${name}:${tag}@${digest}` : `${name}:${tag}`;
}
