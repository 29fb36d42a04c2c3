// Per-Image series: the result of the last check and when a check last succeeded, so one stuck Image can
// be alerted on (docs/controller.md#metrics). Cardinality is bounded by the Images this leader evaluates:
// one result series per Image (the previous result's series is removed when it changes), both series go
// when the Image is deleted, and all of them when this replica stops leading (a follower evaluates
// nothing, and a stale copy on it would double every alert).
import { Gauge } from 'prom-client';
import { metricsRegistry, once } from '../../common/metrics.js';
import { splitObjectKey } from '../../common/object-key.js';

export const imageLastResult = once(
  'tagpilot_image_last_result',
  () =>
    new Gauge({
      name: 'tagpilot_image_last_result',
      help: 'One series per Image evaluated by this leader, value 1, labelled with the result of its last check (Success, RegistryError, …).',
      labelNames: ['namespace', 'name', 'result'] as const,
      registers: [metricsRegistry],
    }),
);

export const imageLastSuccess = once(
  'tagpilot_image_last_success_timestamp_seconds',
  () =>
    new Gauge({
      name: 'tagpilot_image_last_success_timestamp_seconds',
      help: 'Unix time of the last successful check of the Image by this process (absent until one succeeded).',
      labelNames: ['namespace', 'name'] as const,
      registers: [metricsRegistry],
    }),
);

/** Results that are not the outcome of a check of an existing Image: they leave the series alone. */
const NOT_A_CHECK = new Set(['Skipped', 'ApiUnavailable']);

export class ImageMetrics {
  private readonly last = new Map<string, string>();

  /** Records the result of one evaluation of `key` (namespace/name). */
  record(key: string, result: string, now: Date): void {
    if (NOT_A_CHECK.has(result)) return;
    const [namespace, name] = splitObjectKey(key);
    const previous = this.last.get(key);
    if (previous !== undefined && previous !== result)
      imageLastResult.remove({ namespace, name, result: previous });
    imageLastResult.set({ namespace, name, result }, 1);
    this.last.set(key, result);
    // RolledBack is a check that worked too (the result keeps telling the rollback until the next change).
    if (result === 'Success' || result === 'RolledBack')
      imageLastSuccess.set({ namespace, name }, now.getTime() / 1000);
  }

  /** Removes the series of a deleted Image. */
  forget(key: string): void {
    const [namespace, name] = splitObjectKey(key);
    const previous = this.last.get(key);
    if (previous !== undefined) imageLastResult.remove({ namespace, name, result: previous });
    imageLastSuccess.remove({ namespace, name });
    this.last.delete(key);
  }

  /** Removes every series this instance wrote (leadership lost). */
  forgetAll(): void {
    for (const key of [...this.last.keys()]) this.forget(key);
  }
}
