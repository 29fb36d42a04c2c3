// A keyed work queue, after client-go's workqueue, shared by the controller (one entry per Image to
// evaluate) and the operator's reconcilers (one entry per Image or AlertConfig). What it guarantees, and why:
// - at most one evaluation per key at a time (two evaluations of one object would race on its status
//   and, in the controller, run actions twice);
// - bounded concurrency overall (registries and the apiserver see at most N evaluations at once);
// - optionally, at most M keys of one group at once (the controller groups Images by registry host), so
//   keys of a group whose evaluations hang (a registry that never answers) cannot hold every slot: the
//   others stay free for the other groups, and a capped group's keys wait without holding one;
// - coalescing: a trigger for a key that is already waiting merges into that entry (reasons are unioned,
//   the earliest due time wins); a trigger for a key being evaluated marks it dirty, and it runs once more
//   afterwards, so a webhook that arrives mid-evaluation is never lost;
// - retries with exponential backoff per key after failures, reset by a success, so one broken Image
//   cannot hog the workers or hammer a registry.

export interface QueueClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: QueueClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** What a processed key asks of the queue afterwards. */
export interface ProcessResult {
  /** Evaluate again after a backoff delay (the failure count of the key grows). */
  retry?: boolean;
  /**
   * Shortest delay before the next retry (e.g. a registry's Retry-After): the retry waits the longer of
   * this and the backoff, so a peer that asked for quiet is never asked again sooner.
   */
  retryAfterMs?: number;
  /**
   * Evaluate again after exactly this delay, not as a failure (no backoff growth): for work that waits on
   * something outside, e.g. a rollout the health gate follows, without holding a worker meanwhile.
   */
  requeueAfterMs?: number;
}

/** Resolving with nothing is a success; throwing is a failure to retry. */
export type Processor<R extends string> = (
  key: string,
  reasons: ReadonlySet<R>,
) => Promise<ProcessResult | void>;

export interface WorkQueueOptions<R extends string = string> {
  concurrency: number;
  process: Processor<R>;
  /** First retry delay; doubles per consecutive failure. */
  retryBaseMs?: number;
  /** Cap of one retry delay. */
  retryMaxMs?: number;
  /** Reason attached to retries. */
  retryReason: R;
  /** The group of a key (asked when it is queued); undefined: the key belongs to none. */
  groupOf?: (key: string) => string | undefined;
  /** Keys of one group in flight at once; the default is no limit beyond `concurrency`. */
  maxActivePerGroup?: number;
  clock?: QueueClock;
  /** Called when process() throws: the key is retried with backoff. */
  onError?: (key: string, err: unknown) => void;
  /** Called whenever depth or active may have changed (for gauges). */
  onChange?: (depth: number, active: number) => void;
}

interface Pending<R> {
  reasons: Set<R>;
  dueAt: number;
  timer?: unknown;
  group?: string | undefined;
}

/** Backoff before retry number `failures` (1-based): base·2^(failures-1), capped. Pure, for tests. */
export function backoffDelay(failures: number, baseMs: number, maxMs: number): number {
  if (failures <= 0) return 0;
  const exp = Math.min(failures - 1, 30);
  return Math.min(maxMs, baseMs * 2 ** exp);
}

export class WorkQueue<R extends string = string> {
  private readonly pending = new Map<string, Pending<R>>();
  /** Keys that are due, in FIFO order. A Set keeps the order and removes duplicates. */
  private readonly ready = new Set<string>();
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Triggers that arrived for a key while it was being evaluated. */
  private readonly dirty = new Map<string, Pending<R>>();
  private readonly failures = new Map<string, number>();
  /** Keys in flight per group. */
  private readonly groupActive = new Map<string, number>();
  private readonly clock: QueueClock;
  private paused = true;
  private stopped = false;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly opts: WorkQueueOptions<R>) {
    this.clock = opts.clock ?? systemClock;
  }

  /** Starts (or resumes) processing. Keys added while paused are kept. */
  start(): void {
    if (this.stopped) return;
    this.paused = false;
    this.pump();
  }

  /** Stops taking new work; evaluations in flight finish. Pending keys stay for a later start(). */
  pause(): void {
    this.paused = true;
  }

  /**
   * Schedules `key` for evaluation `delayMs` from now (0: as soon as a worker is free). Merges with an
   * entry already waiting; marks the key dirty when it is being evaluated.
   */
  add(key: string, reason: R, delayMs = 0): void {
    this.enqueue(key, [reason], this.clock.now() + Math.max(0, delayMs));
  }

  private enqueue(key: string, reasons: Iterable<R>, dueAt: number): void {
    if (this.stopped) return;
    if (this.inFlight.has(key)) {
      const d = this.dirty.get(key);
      if (d) {
        for (const r of reasons) d.reasons.add(r);
        d.dueAt = Math.min(d.dueAt, dueAt);
      } else this.dirty.set(key, { reasons: new Set(reasons), dueAt });
      return;
    }
    const existing = this.pending.get(key);
    if (existing) {
      for (const r of reasons) existing.reasons.add(r);
      if (dueAt < existing.dueAt) this.schedule(key, existing, dueAt);
      return;
    }
    const entry: Pending<R> = { reasons: new Set(reasons), dueAt, group: this.opts.groupOf?.(key) };
    this.pending.set(key, entry);
    this.schedule(key, entry, dueAt);
    this.opts.onChange?.(this.pending.size, this.inFlight.size);
  }

  /** Drops a key (its Image was deleted): nothing pending, no retry state. An evaluation in flight finishes. */
  forget(key: string): void {
    const entry = this.pending.get(key);
    if (entry?.timer !== undefined) this.clock.clearTimeout(entry.timer);
    this.pending.delete(key);
    this.ready.delete(key);
    this.dirty.delete(key);
    this.failures.delete(key);
  }

  /** Consecutive failures of a key (0 after a success). */
  failureCount(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  get depth(): number {
    return this.pending.size;
  }

  get active(): number {
    return this.inFlight.size;
  }

  /** Resolves once nothing is due and nothing is in flight (delayed entries may still wait). */
  async idle(): Promise<void> {
    if (this.isIdle()) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops for good: no new work starts, timers are cleared, and it resolves when the evaluations in
   * flight have finished (or after `timeoutMs`, whichever is first).
   */
  async shutdown(timeoutMs = 30_000): Promise<void> {
    this.stopped = true;
    this.paused = true;
    for (const entry of this.pending.values())
      if (entry.timer !== undefined) this.clock.clearTimeout(entry.timer);
    this.pending.clear();
    this.ready.clear();
    this.dirty.clear();
    const running = Promise.all(this.inFlight.values());
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      running,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref?.();
      }),
    ]);
    clearTimeout(timer);
  }

  private isIdle(): boolean {
    return this.inFlight.size === 0 && (this.ready.size === 0 || this.paused);
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private schedule(key: string, entry: Pending<R>, dueAt: number): void {
    if (entry.timer !== undefined) this.clock.clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.dueAt = dueAt;
    const delay = dueAt - this.clock.now();
    if (delay <= 0) {
      this.ready.add(key);
      this.pump();
      return;
    }
    this.ready.delete(key);
    entry.timer = this.clock.setTimeout(() => {
      entry.timer = undefined;
      if (this.pending.get(key) !== entry) return;
      this.ready.add(key);
      this.pump();
    }, delay);
  }

  private pump(): void {
    const perGroup = this.opts.maxActivePerGroup ?? Infinity;
    if (!this.paused) {
      // FIFO over the due keys, passing over (and keeping in place) those whose group is at its limit.
      for (const key of this.ready) {
        if (this.inFlight.size >= this.opts.concurrency) break;
        const entry = this.pending.get(key);
        if (!entry) {
          this.ready.delete(key);
          continue;
        }
        const group = entry.group;
        if (group !== undefined && (this.groupActive.get(group) ?? 0) >= perGroup) continue;
        this.ready.delete(key);
        this.pending.delete(key);
        if (group !== undefined) this.groupActive.set(group, (this.groupActive.get(group) ?? 0) + 1);
        this.inFlight.set(key, this.run(key, entry.reasons, group));
      }
    }
    this.opts.onChange?.(this.pending.size, this.inFlight.size);
    this.notifyIdle();
  }

  private async run(key: string, reasons: ReadonlySet<R>, group: string | undefined): Promise<void> {
    let result: ProcessResult;
    try {
      result = (await this.opts.process(key, reasons)) ?? {};
    } catch (err) {
      this.opts.onError?.(key, err);
      result = { retry: true };
    }
    this.inFlight.delete(key);
    if (group !== undefined) {
      const left = (this.groupActive.get(group) ?? 1) - 1;
      if (left > 0) this.groupActive.set(group, left);
      else this.groupActive.delete(group);
    }
    if (this.stopped) {
      this.opts.onChange?.(this.pending.size, this.inFlight.size);
      this.notifyIdle();
      return;
    }
    const dirty = this.dirty.get(key);
    this.dirty.delete(key);
    if (result.retry) {
      const failures = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, failures);
      let delay = backoffDelay(failures, this.opts.retryBaseMs ?? 1_000, this.opts.retryMaxMs ?? 300_000);
      if (result.retryAfterMs !== undefined) delay = Math.max(delay, result.retryAfterMs);
      this.add(key, this.opts.retryReason, delay);
    } else {
      this.failures.delete(key);
      if (result.requeueAfterMs !== undefined) this.add(key, this.opts.retryReason, result.requeueAfterMs);
    }
    // A trigger that arrived meanwhile runs once more, merged with a retry if there is one.
    if (dirty) this.enqueue(key, dirty.reasons, dirty.dueAt);
    this.pump();
  }
}
