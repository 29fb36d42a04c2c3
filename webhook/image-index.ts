// The mutating webhook's view of Images: fed by an informer, queried per admission. The pins of each
// namespace are kept up to date per repository as Images change: a change recomputes only the pins of
// the repository the Image follows (from the few Images of that namespace that follow it, with the same
// namespacePins the rest of the webhook uses), so an admission is a map lookup per container and a busy
// update tick (every Image's status.tag moving) never recomputes a whole namespace.
import type { Image } from '../crds/index.js';
import { repositoryOf } from '../domain/image/repository.js';
import { namespacePins, NO_PINS, type NamespacePins } from './pins.js';

export interface PinSource {
  pinsFor(namespace: string): NamespacePins;
}

/** Every field of NamespacePins is a map keyed by repository; the index updates one key at a time. */
type MutablePins = Record<keyof NamespacePins, Map<string, unknown>>;

interface Filed {
  namespace: string;
  /** undefined: spec.image names no repository, so the Image pins nothing. */
  repository: string | undefined;
}

const keyOf = (namespace: string, name: string) => `${namespace}/${name}`;

export class ImageIndex implements PinSource {
  /** namespace → repository → name → Image. */
  private readonly images = new Map<string, Map<string, Map<string, Image>>>();
  /** `namespace/name` → where the Image is filed, to move or remove it on update and delete. */
  private readonly filed = new Map<string, Filed>();
  private readonly pins = new Map<string, MutablePins>();

  upsert(image: Image): void {
    const namespace = image.metadata?.namespace ?? '';
    const name = image.metadata?.name ?? '';
    const key = keyOf(namespace, name);
    const before = this.filed.get(key);
    const repository = typeof image.spec?.image === 'string' ? repositoryOf(image.spec.image) : undefined;
    if (before && before.repository !== repository) this.remove(key, name, before);
    this.filed.set(key, { namespace, repository });
    if (repository === undefined) return;
    let byRepository = this.images.get(namespace);
    if (!byRepository) this.images.set(namespace, (byRepository = new Map()));
    let byName = byRepository.get(repository);
    if (!byName) byRepository.set(repository, (byName = new Map()));
    byName.set(name, image);
    this.recompute(namespace, repository);
  }

  delete(image: Pick<Image, 'metadata'>): void {
    const namespace = image.metadata?.namespace ?? '';
    const name = image.metadata?.name ?? '';
    const key = keyOf(namespace, name);
    const before = this.filed.get(key);
    if (before) this.remove(key, name, before);
  }

  /** Replaces everything, e.g. after an informer relist. */
  reset(images: readonly Image[]): void {
    this.images.clear();
    this.filed.clear();
    this.pins.clear();
    for (const image of images) this.upsert(image);
  }

  pinsFor(namespace: string): NamespacePins {
    return (this.pins.get(namespace) as NamespacePins | undefined) ?? NO_PINS;
  }

  get size(): number {
    return this.filed.size;
  }

  private remove(key: string, name: string, where: Filed): void {
    this.filed.delete(key);
    if (where.repository === undefined) return;
    const byRepository = this.images.get(where.namespace);
    const byName = byRepository?.get(where.repository);
    if (!byRepository || !byName) return;
    byName.delete(name);
    if (byName.size === 0) byRepository.delete(where.repository);
    if (byRepository.size === 0) this.images.delete(where.namespace);
    this.recompute(where.namespace, where.repository);
  }

  /** The pins of one repository in one namespace, from the Images there that follow it. */
  private recompute(namespace: string, repository: string): void {
    const byName = this.images.get(namespace)?.get(repository);
    const fresh = namespacePins(byName ? [...byName.values()] : []) as unknown as MutablePins;
    let pins = this.pins.get(namespace);
    if (!pins) {
      if (!byName) return;
      pins = Object.fromEntries(Object.keys(fresh).map((k) => [k, new Map()])) as MutablePins;
      this.pins.set(namespace, pins);
    }
    let empty = true;
    for (const field of Object.keys(fresh) as (keyof NamespacePins)[]) {
      const value = fresh[field].get(repository);
      if (value === undefined) pins[field].delete(repository);
      else pins[field].set(repository, value);
      if (pins[field].size > 0) empty = false;
    }
    if (empty) this.pins.delete(namespace);
  }
}
