// Which tag (and digest) each repository is pinned to in one namespace, derived from the Images there.
// Kept apart from the patching so the webhook can compute it once per Image change, not per request.
import type { Image } from '../crds/index.js';
import { DIGEST_RE, TAG_RE } from '../domain/image/reference.js';
import { repositoryOf } from '../domain/image/repository.js';
import { heldWorkloads } from '../domain/holds/holds.js';

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
  /**
   * Per repository, the workloads (`Kind/name`) an Image holds after a hand rollback (status.holds):
   * nothing in them is pinned to that repository's tag.
   */
  held: ReadonlyMap<string, ReadonlySet<string>>;
}

export const NO_PINS: NamespacePins = { byRepository: new Map(), conflicts: new Map(), held: new Map() };

/** An Image tracks digests when one of its rules is `digest`: its pin carries `@sha256:…`. */
export function tracksDigest(image: Pick<Image, 'spec'>): boolean {
  return (image.spec?.rules ?? []).some((r) => r.type === 'digest');
}

/**
 * The pins of one namespace. Images without status.tag pin nothing (the controller has not decided
 * yet); a suspended Image pins nothing (spec.suspend holds everything Tagpilot does for it, admission
 * included); workloads an Image holds (status.holds) are not pinned to its tag; a status that does not look like a tag/digest is ignored rather than written into Pods.
 */
export function namespacePins(images: readonly Image[]): NamespacePins {
  const byRepository = new Map<string, Pin>();
  const conflicts = new Map<string, string>();
  const held = new Map<string, Set<string>>();
  const sorted = [...images].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const image of sorted) {
    if (image.spec?.suspend) continue;
    const tag = image.status?.tag;
    if (!tag || !TAG_RE.test(tag) || typeof image.spec?.image !== 'string') continue;
    const repository = repositoryOf(image.spec.image);
    if (repository === undefined) continue;
    for (const workload of heldWorkloads(image.status?.holds)) {
      let set = held.get(repository);
      if (!set) held.set(repository, (set = new Set()));
      set.add(workload);
    }
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
  return { byRepository, conflicts, held };
}

function formatPin(pin: Pick<Pin, 'tag' | 'digest'>): string {
  return pin.digest ? `${pin.tag}@${pin.digest}` : pin.tag;
}
