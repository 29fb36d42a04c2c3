// The mutating webhook's view of Images: fed by an informer, queried per admission. Pins are computed
// once per namespace after an Image changes, so a request costs a map lookup, never an API call.
import type { Image } from '../crds/index.js';
import { namespacePins, NO_PINS, type NamespacePins } from './pins.js';

export interface PinSource {
  pinsFor(namespace: string): NamespacePins;
}

export class ImageIndex implements PinSource {
  private readonly images = new Map<string, Map<string, Image>>();
  private readonly pins = new Map<string, NamespacePins>();

  upsert(image: Image): void {
    const ns = image.metadata?.namespace ?? '';
    const name = image.metadata?.name ?? '';
    let byName = this.images.get(ns);
    if (!byName) this.images.set(ns, (byName = new Map()));
    byName.set(name, image);
    this.pins.delete(ns);
  }

  delete(image: Pick<Image, 'metadata'>): void {
    const ns = image.metadata?.namespace ?? '';
    const byName = this.images.get(ns);
    if (!byName) return;
    byName.delete(image.metadata?.name ?? '');
    if (byName.size === 0) this.images.delete(ns);
    this.pins.delete(ns);
  }

  /** Replaces everything, e.g. after an informer relist. */
  reset(images: readonly Image[]): void {
    this.images.clear();
    this.pins.clear();
    for (const image of images) this.upsert(image);
  }

  pinsFor(namespace: string): NamespacePins {
    const cached = this.pins.get(namespace);
    if (cached) return cached;
    const byName = this.images.get(namespace);
    const pins = byName ? namespacePins([...byName.values()]) : NO_PINS;
    this.pins.set(namespace, pins);
    return pins;
  }

  get size(): number {
    let n = 0;
    for (const byName of this.images.values()) n += byName.size;
    return n;
  }
}
