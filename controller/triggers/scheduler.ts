// Runs the crontab triggers of every Image: one heap of next-run times and one timer for the earliest, so
// thousands of Images cost one pending timer. Wall-clock schedules meet monotonic timers here: the timer
// never sleeps longer than maxSleepMs, and every wake-up re-reads the wall clock, which both keeps delays
// under setTimeout's 2^31-1 ms limit and bounds how late a run is after the clock jumps forward.
import type { Logger } from '../../common/logger.js';
import { errorMessage } from '../../common/errors.js';
import { KeyedMinHeap } from './heap.js';
import { cronFires, cronScheduled } from './metrics.js';
import type { FieldError } from '../../crds/index.js';
import type { Schedule } from '../../domain/schedule/parse.js';
import { scheduleOf, type TriggerLike } from '../../domain/schedule/trigger.js';
import { DEFAULT_MAX_JITTER_MS, nextRun } from './next-run.js';

/** Default longest single timer; also the worst lateness after a forward clock jump. */
export const DEFAULT_MAX_SLEEP_MS = 60_000;

export interface CronSchedulerOptions {
  /** Called at each run time of `key`; not awaited (a slow evaluation must not delay other Images). */
  onFire(key: string): void | Promise<void>;
  /** Upper bound of the per-Image jitter added to each tick. Default DEFAULT_MAX_JITTER_MS (5 s). */
  maxJitterMs?: number;
  maxSleepMs?: number;
  logger?: Logger;
}

interface Entry {
  /** JSON of the crontab triggers, to make repeated set() calls from informer resyncs free. */
  signature: string;
  schedules: Schedule[];
}

export class CronScheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly heap = new KeyedMinHeap<string>();
  private timer: NodeJS.Timeout | undefined;
  /** Due time the timer is armed for, to skip re-arming when the earliest entry did not change. */
  private armedFor: number | undefined;
  private readonly maxJitterMs: number;
  private readonly maxSleepMs: number;

  constructor(private readonly opts: CronSchedulerOptions) {
    this.maxJitterMs = Math.max(0, opts.maxJitterMs ?? DEFAULT_MAX_JITTER_MS);
    this.maxSleepMs = Math.min(Math.max(1, opts.maxSleepMs ?? DEFAULT_MAX_SLEEP_MS), 2 ** 31 - 1);
  }

  /** Number of keys with at least one valid crontab trigger. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Schedules the crontab triggers of `key` (e.g. `namespace/name`), replacing what it had. Invalid
   * triggers are skipped and returned as field errors for the Image's status; the valid ones still run.
   * A key without valid crontab triggers is removed.
   */
  set(key: string, triggers: readonly TriggerLike[]): FieldError[] {
    const errors: FieldError[] = [];
    const schedules: Schedule[] = [];
    const crontab: TriggerLike[] = [];
    triggers.forEach((trigger, index) => {
      const result = scheduleOf(trigger, index);
      if ('error' in result) errors.push(result.error);
      else if ('schedule' in result) {
        schedules.push(result.schedule);
        crontab.push({ type: trigger.type, value: trigger.value, timezone: trigger.timezone });
      }
    });
    if (schedules.length === 0) {
      this.delete(key);
      return errors;
    }
    const signature = JSON.stringify(crontab);
    if (this.entries.get(key)?.signature === signature) return errors;

    const entry = { signature, schedules };
    const due = this.dueAfter(key, entry, Date.now());
    this.entries.set(key, entry);
    if (due === undefined) this.heap.delete(key);
    else this.heap.set(key, due);
    cronScheduled.set(this.entries.size);
    this.arm();
    return errors;
  }

  delete(key: string): boolean {
    const existed = this.entries.delete(key);
    if (existed) {
      this.heap.delete(key);
      cronScheduled.set(this.entries.size);
      this.arm();
    }
    return existed;
  }

  /** Next run of `key`, e.g. for the Image's status.nextCheckTime. */
  nextFire(key: string): Date | undefined {
    const due = this.heap.dueOf(key);
    return due === undefined ? undefined : new Date(due);
  }

  /** Forgets every key and cancels the timer; the scheduler can be filled again afterwards. */
  stop(): void {
    this.entries.clear();
    this.heap.clear();
    cronScheduled.set(0);
    this.disarm();
  }

  private dueAfter(key: string, entry: Entry, now: number): number | undefined {
    let due: number | undefined;
    for (const schedule of entry.schedules) {
      try {
        const at = nextRun(schedule, new Date(now), key, this.maxJitterMs).getTime();
        if (due === undefined || at < due) due = at;
      } catch (err) {
        this.opts.logger?.warn(
          { key, schedule: schedule.value, err: errorMessage(err) },
          'schedule has no next run',
        );
      }
    }
    return due;
  }

  private arm(): void {
    const top = this.heap.peek();
    if (top === undefined) {
      this.disarm();
      return;
    }
    if (this.timer !== undefined && this.armedFor === top.due) return;
    this.disarm();
    const delay = Math.min(Math.max(0, top.due - Date.now()), this.maxSleepMs);
    this.armedFor = top.due;
    this.timer = setTimeout(() => this.wake(), delay);
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = undefined;
  }

  private wake(): void {
    this.timer = undefined;
    this.armedFor = undefined;
    const now = Date.now();
    const due: string[] = [];
    for (let top = this.heap.peek(); top !== undefined && top.due <= now; top = this.heap.peek()) {
      due.push(top.key);
      const entry = this.entries.get(top.key);
      // Missed runs (event loop blocked, clock jumped forward) collapse into this one: the next run is
      // computed from now, not from the run that was due.
      const next = entry === undefined ? undefined : this.dueAfter(top.key, entry, now);
      if (next === undefined) this.heap.delete(top.key);
      else this.heap.set(top.key, next);
    }
    // Fire after rescheduling, so a callback that calls set() or delete() sees a consistent heap.
    for (const key of due) this.fire(key);
    this.arm();
  }

  private fire(key: string): void {
    cronFires.inc();
    try {
      const result = this.opts.onFire(key);
      if (result instanceof Promise) {
        result.catch((err: unknown) =>
          this.opts.logger?.error({ key, err: errorMessage(err) }, 'cron trigger failed'),
        );
      }
    } catch (err) {
      this.opts.logger?.error({ key, err: errorMessage(err) }, 'cron trigger failed');
    }
  }
}
