// Which tag (and digest) each repository is pinned to in one namespace, derived from the Images there.
// Kept apart from the patching so the webhook can compute it once per Image change, not per request.
import type { Image } from '../crds/index.js';
import { parseImageReference, repositoryName } from '../controller/registry/reference.js';

export interface Pin {
  /** `domain/repository`, Docker Hub names normalised: the key containers are matched by. */
  repository: string;
  tag: string;
  /** Set only when the Image tracks digests (a `digest` rule) and status.digest is known. */
  digest?: string;
  /** Image(s) this pin comes from, for warnings and logs. */
  images: string[];
}

export interface NamespacePins {
  byRepository: ReadonlyMap<string, Pin>;
  /** Repositories whose Images disagree: never pinned, and each admission says why. */
  conflicts: ReadonlyMap<string, string>;
}

export const NO_PINS: NamespacePins = { byRepository: new Map(), conflicts: new Map() };

const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;

/** An Image tracks digests when one of its rules is `digest`: its pin carries `@sha256:…`. */
export function tracksDigest(image: Pick<Image, 'spec'>): boolean {
  return (image.spec?.rules ?? []).some((r) => r.type === 'digest');
}

/**
 * The normalised repository key of a reference, or undefined when it does not parse. Memoised: a
 * cluster uses a few hundred distinct references, and every admitted Pod repeats them.
 */
export function repositoryKey(reference: string): string | undefined {
  const cached = keyCache.get(reference);
  if (cached !== undefined || keyCache.has(reference)) return cached;
  let key: string | undefined;
  try {
    key = repositoryName(parseImageReference(reference));
  } catch {
    key = undefined;
  }
  if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
  keyCache.set(reference, key);
  return key;
}

const KEY_CACHE_MAX = 10_000;
const keyCache = new Map<string, string | undefined>();

/**
 * The pins of one namespace. Images without status.tag pin nothing (the controller has not decided
 * yet); a status that does not look like a tag/digest is ignored rather than written into Pods.
 */
export function namespacePins(images: readonly Image[]): NamespacePins {
  const byRepository = new Map<string, Pin>();
  const conflicts = new Map<string, string>();
  const sorted = [...images].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const image of sorted) {
    const tag = image.status?.tag;
    if (!tag || !TAG_RE.test(tag) || typeof image.spec?.image !== 'string') continue;
    const repository = repositoryKey(image.spec.image);
    if (repository === undefined) continue;
    const digest = tracksDigest(image) && image.status?.digest;
    const pin: Pin = {
      repository,
      tag,
      ...(digest && DIGEST_RE.test(digest) ? { digest } : {}),
      images: [image.metadata?.name ?? ''],
    };
    const existing = byRepository.get(repository);
    if (!existing) {
      if (!conflicts.has(repository)) byRepository.set(repository, pin);
      continue;
    }
    if (existing.tag === pin.tag && existing.digest === pin.digest) {
      existing.images.push(...pin.images);
      continue;
    }
    byRepository.delete(repository);
    conflicts.set(
      repository,
      `Images ${[...existing.images, ...pin.images].join(', ')} follow ${repository} but pin different ` +
        `references (${formatPin(existing)} vs ${formatPin(pin)}); containers using it were left as written`,
    );
  }
  return { byRepository, conflicts };
}

function formatPin(pin: Pick<Pin, 'tag' | 'digest'>): string {
  return pin.digest ? `${pin.tag}@${pin.digest}` : pin.tag;
}

/**
 * The container's reference moved to the pin, keeping the user's spelling of the repository (`nginx`
 * stays `nginx`, not `docker.io/library/nginx`). A digest already in the reference is dropped unless
 * the pin carries one: it would otherwise win over the new tag at pull time.
 */
export function pinnedReference(reference: string, pin: Pick<Pin, 'tag' | 'digest'>): string {
  let name = reference;
  const at = name.indexOf('@');
  if (at !== -1) name = name.slice(0, at);
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) name = name.slice(0, colon);
  return `${name}:${formatPin(pin)}`;
}
