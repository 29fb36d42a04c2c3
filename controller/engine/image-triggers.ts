// From the Image informer's events to evaluations: keeps each Image's cron schedule, and queues an Image
// at once when it was never checked, its spec changed, a scheduled run was missed, a wake-up may be
// pending (update windows, minTagAge), a refresh was asked for or an approval answered
// (docs/controller.md#when-an-image-is-evaluated). Acts only while this replica leads.
import type { Logger } from '../../common/logger.js';
import { REFRESH_ANNOTATION, type Image } from '../../crds/index.js';
import { APPROVE_ANNOTATION, REJECT_ANNOTATION } from '../../domain/approval/annotations.js';
import type { CronScheduler } from '../triggers/index.js';
import { imageKey, type Trigger } from './evaluate.js';
import { upToDateOf } from './status.js';
import { RELEASE_ANNOTATION } from '../../domain/holds/holds.js';

const ANSWER_ANNOTATIONS = [APPROVE_ANNOTATION, REJECT_ANNOTATION];

export interface ImageTriggersDeps {
  scheduler: Pick<CronScheduler, 'set' | 'delete'>;
  /** Queues an evaluation (a no-op while not leading). */
  enqueue: (key: string, trigger: Trigger) => void;
  refreshPending: (image: Image) => boolean;
  /** An approve or reject annotation not handled yet (docs/safe-updates.md#approvals). */
  answerPending: (image: Image) => boolean;
  /** Drops what the queue and the evaluator remember about a deleted Image. */
  forget: (key: string) => void;
  leading: () => boolean;
  log: Logger;
  now?: () => number;
}

export class ImageTriggers {
  constructor(private readonly deps: ImageTriggersDeps) {}

  /** Schedules an Image's triggers and queues it now if it is due (on add, and on becoming leader). */
  track(image: Image): void {
    const { scheduler, enqueue } = this.deps;
    const key = imageKey(image);
    if (image.spec.suspend) {
      scheduler.delete(key);
      return;
    }
    const errors = scheduler.set(key, image.spec.triggers);
    if (errors.length) this.deps.log.warn({ image: key, errors }, 'invalid crontab triggers skipped');
    if (this.deps.refreshPending(image)) return enqueue(key, 'manual');
    if (this.deps.answerPending(image)) return enqueue(key, 'approval');
    const status = image.status;
    const mine = upToDateOf(status);
    if (!status?.result || !mine) return enqueue(key, 'new');
    if (mine.observedGeneration !== image.metadata.generation) return enqueue(key, 'spec');
    const next = status.nextCheckTime ? Date.parse(status.nextCheckTime) : NaN;
    if (!Number.isNaN(next) && next < (this.deps.now ?? Date.now)()) return enqueue(key, 'missed');
    // Wake-ups live in the queue only (a waiting decision's window, a young tag coming of age): a new
    // leader evaluates such Images once, and that evaluation re-arms them (docs/safe-updates.md).
    if (status.waiting || image.spec.minTagAge) enqueue(key, 'missed');
  }

  readonly onAdd = (image: Image): void => {
    if (this.deps.leading()) this.track(image);
  };

  readonly onUpdate = (image: Image, old?: Image): void => {
    if (!this.deps.leading()) return;
    const { scheduler, enqueue } = this.deps;
    const key = imageKey(image);
    if (image.metadata.generation !== old?.metadata.generation) {
      if (image.spec.suspend) {
        scheduler.delete(key);
        return;
      }
      scheduler.set(key, image.spec.triggers);
      enqueue(key, 'spec');
      return;
    }
    const was = old?.metadata.annotations?.[REFRESH_ANNOTATION];
    const is = image.metadata.annotations?.[REFRESH_ANNOTATION];
    if (is !== was && this.deps.refreshPending(image)) enqueue(key, 'manual');
    // An annotation does not bump the generation: an answer is noticed here, by its own change.
    const answered = ANSWER_ANNOTATIONS.some(
      (a) => old?.metadata.annotations?.[a] !== image.metadata.annotations?.[a],
    );
    if (answered && this.deps.answerPending(image)) enqueue(key, 'approval');
    // A hold release (docs/safe-updates.md, "Holds") is acted on now, not at the next scheduled check.
    const release = image.metadata.annotations?.[RELEASE_ANNOTATION];
    if (release !== undefined && release !== old?.metadata.annotations?.[RELEASE_ANNOTATION]) {
      enqueue(key, 'release');
    }
  };

  readonly onDelete = (image: Image): void => {
    const key = imageKey(image);
    this.deps.scheduler.delete(key);
    this.deps.forget(key);
  };
}
