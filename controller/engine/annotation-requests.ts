// Requests made by annotating an Image (refresh, docs/triggers.md; approve and reject,
// docs/safe-updates.md#approvals): whether an Image carries one not yet handled, and removing it once
// handled. In --dry-run the annotation cannot be removed, so the handled value is remembered instead,
// which keeps a dry-run controller from acting on it forever.
import type { Logger } from '../../common/logger.js';
import type { Image } from '../../crds/index.js';
import { kubeMessage, statusCode } from '../kube/errors.js';
import type { ImageApi } from '../kube/images.js';
import { annotationRemovalPatch } from '../triggers/index.js';
import type { ImageCache } from './status-writer.js';

export const imageKey = (image: Pick<Image, 'metadata'>) =>
  `${image.metadata.namespace ?? ''}/${image.metadata.name ?? ''}`;

export interface AnnotationRequestDeps {
  images: Pick<ImageApi, 'jsonPatch'>;
  cache: ImageCache;
  log: Logger;
  dryRun: boolean;
}

export class AnnotationRequests {
  private readonly handled = new Map<string, string>();

  constructor(
    private readonly deps: AnnotationRequestDeps,
    readonly annotation: string,
  ) {}

  forget(key: string): void {
    this.handled.delete(key);
  }

  /** The value of a request not yet handled, else undefined. */
  pending(image: Image): string | undefined {
    const value = image.metadata.annotations?.[this.annotation];
    if (value === undefined || value.trim() === '') return undefined;
    return this.handled.get(imageKey(image)) === value ? undefined : value;
  }

  /** Removes the annotation if it still holds `value` (a newer request made meanwhile stays). */
  async clear(image: Image, value: string): Promise<void> {
    const key = imageKey(image);
    this.handled.set(key, value);
    if (this.deps.dryRun) return;
    try {
      const stored = await this.deps.images.jsonPatch(
        image.metadata.namespace ?? 'default',
        image.metadata.name ?? '',
        annotationRemovalPatch(this.annotation, value),
      );
      this.deps.cache.upsert(stored);
    } catch (err) {
      // 422: the annotation changed meanwhile (a new request, which its update event triggers);
      // 404: deleted. Anything else leaves the annotation, remembered as handled so it does not loop.
      const code = statusCode(err);
      if (code !== 422 && code !== 409 && code !== 404) {
        this.deps.log.warn(
          { image: key, err: kubeMessage(err) },
          `could not remove the ${this.annotation} annotation`,
        );
        return;
      }
    }
    this.handled.delete(key);
  }
}
