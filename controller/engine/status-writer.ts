// The one way the controller writes an Image's status: server-side apply of its complete owned status
// (controller/kube/images.ts), only when that changes something or the heartbeat is due. No
// resourceVersion precondition and no retry loop: apply merges by field owner, so another writer's
// fields (the operator's Ready and observedGeneration) can neither be lost nor cause a conflict.
import type { Logger } from '../../common/logger.js';
import type { Image } from '../../crds/index.js';
import { isNotFound } from '../kube/errors.js';
import type { ImageApi } from '../kube/images.js';
import * as metrics from './metrics.js';
import { appliedStatus, nextOwnedStatus, writeNeed, type CheckReport, type WriteNeed } from './status.js';

export interface ImageCache {
  getByKey(key: string): Image | undefined;
  /** Takes an object this program just wrote, so the next evaluation sees the write. */
  upsert(obj: Image): void;
}

export interface StatusWriterDeps {
  images: Pick<ImageApi, 'applyStatus'>;
  cache: ImageCache;
  log: Logger;
  /** Log what would be written instead of writing. */
  dryRun: boolean;
  /** Write a status whose only news is the check times at most this often (0: every check). */
  heartbeatMs: number;
  now: () => Date;
}

export class StatusWriter {
  constructor(private readonly deps: StatusWriterDeps) {}

  /**
   * Writes `report` over `image`'s status when it changes something (or the heartbeat is due); returns
   * what was needed. Throws API errors other than 404 (the queue retries); a deleted Image is 'none'.
   */
  async write(image: Image, report: CheckReport): Promise<WriteNeed> {
    const namespace = image.metadata.namespace ?? 'default';
    const name = image.metadata.name ?? '';
    const now = this.deps.now();
    const owned = nextOwnedStatus(image.status, report, image.metadata.generation, now);
    const need = writeNeed(image.status, owned, now, this.deps.heartbeatMs);
    if (need === 'none') {
      metrics.statusWrites.inc({ outcome: 'skipped' });
      return need;
    }
    if (this.deps.dryRun) {
      metrics.statusWrites.inc({ outcome: 'dry_run' });
      this.deps.log.info(
        {
          dryRun: true,
          image: `${namespace}/${name}`,
          result: owned.result,
          tag: owned.tag,
          digest: owned.digest,
        },
        `would write status: ${owned.message}`,
      );
      return need;
    }
    try {
      const stored = await this.deps.images.applyStatus(
        { namespace, name, uid: image.metadata.uid },
        appliedStatus(owned),
      );
      this.deps.cache.upsert(stored);
    } catch (err) {
      if (isNotFound(err)) return 'none'; // deleted meanwhile
      throw err;
    }
    metrics.statusWrites.inc({ outcome: need === 'changed' ? 'written' : 'heartbeat' });
    return need;
  }
}
