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
//
// Starting work costs O(groups), not O(due keys): due keys wait in one FIFO per group (keys without a
// group share one more), stamped with a global sequence number, and the next key to start is the oldest
// head among the groups below their limit. An update tick queues every Image at once, mostly on one
// registry host; a single FIFO passed over all of them on every add and every completion.

import type { ProcessResult, QueueClock, RunContext, WorkQueueOptions } from './work-queue-contract.js';
import { backoffDelay, systemClock } from './work-queue-contract.js';

export type {
  ProcessResult,
  Processor,
  QueueClock,
  RunContext,
  WorkQueueOptions,
} from './work-queue-contract.js';
export { backoffDelay, systemClock } from './work-queue-contract.js';

interface Pending<R> {
  reasons: Set<R>;
  dueAt: number;
  timer?: unknown;
  group?: string | undefined;
}

/**
 * Due keys of one group in the order they became due. Removal is lazy: an entry whose key is no longer
 * due with that sequence number (forgotten, started, or due again later) is dropped when it reaches the head.
 */
interface Bucket {
  keys: string[];
  seqs: number[];
  head: number;
}

export class WorkQueue<R extends string = string> {
  private readonly pending = new Map<string, Pending<R>>();
  /** Keys that are due, with the sequence number that orders them (FIFO across groups). */
  private readonly ready = new Map<string, number>();
  private seq = 0;
  /** Due keys per group (undefined: keys of no group), see Bucket. */
  private readonly buckets = new Map<string | undefined, Bucket>();
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Triggers that arrived for a key while it was being evaluated. */
  private readonly dirty = new Map<string, Pending<R>>();
  private readonly failures = new Map<string, number>();
  /** Keys in flight per group. */
  private readonly groupActive = new Map<string, number>();
  private readonly clock: QueueClock;
  private paused = true;
  private stopped = false;
  /** When this turn of the event loop started its first key (performance.now()); undefined between turns. */
  private turnStartedAt: number | undefined;
  /** The next pump waits for the next turn (turnBudgetMs was used up). */
  private yielding = false;
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
    this.buckets.clear();
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
      this.markReady(key, entry);
      this.pump();
      return;
    }
    this.ready.delete(key);
    entry.timer = this.clock.setTimeout(() => {
      entry.timer = undefined;
      if (this.pending.get(key) !== entry) return;
      this.markReady(key, entry);
      this.pump();
    }, delay);
  }

  /** Queues a due key at the tail of its group; a key already due keeps its place. */
  private markReady(key: string, entry: Pending<R>): void {
    if (this.ready.has(key)) return;
    const seq = this.seq++;
    this.ready.set(key, seq);
    let bucket = this.buckets.get(entry.group);
    if (!bucket) this.buckets.set(entry.group, (bucket = { keys: [], seqs: [], head: 0 }));
    bucket.keys.push(key);
    bucket.seqs.push(seq);
  }

  /** Drops stale entries from the bucket's head; the head's index, or -1 when nothing is due there. */
  private headOf(group: string | undefined, bucket: Bucket): number {
    while (bucket.head < bucket.keys.length) {
      const key = bucket.keys[bucket.head]!;
      if (this.ready.get(key) === bucket.seqs[bucket.head]) {
        if (this.pending.has(key)) return bucket.head;
        this.ready.delete(key);
      }
      this.shift(bucket);
    }
    this.buckets.delete(group);
    return -1;
  }

  private shift(bucket: Bucket): void {
    bucket.head++;
    // Compact once the consumed prefix is the larger half: amortised O(1) per key.
    if (bucket.head > 64 && bucket.head * 2 > bucket.keys.length) {
      bucket.keys.splice(0, bucket.head);
      bucket.seqs.splice(0, bucket.head);
      bucket.head = 0;
    }
  }

  /** The group whose head key is the oldest due key that may start now; null when none may. */
  private nextBucket(perGroup: number): { group: string | undefined; bucket: Bucket } | null {
    let best: { group: string | undefined; bucket: Bucket } | null = null;
    let bestSeq = Infinity;
    for (const [group, bucket] of this.buckets) {
      if (group !== undefined && (this.groupActive.get(group) ?? 0) >= perGroup) continue;
      const at = this.headOf(group, bucket);
      if (at === -1) continue;
      const seq = bucket.seqs[at]!;
      if (seq < bestSeq) {
        bestSeq = seq;
        best = { group, bucket };
      }
    }
    return best;
  }

  private pump(): void {
    if (this.yielding) return;
    const perGroup = this.opts.maxActivePerGroup ?? Infinity;
    // FIFO over the due keys, passing over (and keeping in place) those whose group is at its limit.
    while (!this.paused && this.inFlight.size < this.opts.concurrency) {
      if (this.turnUsedUp()) {
        this.yieldTurn();
        break;
      }
      const next = this.nextBucket(perGroup);
      if (!next) break;
      const { bucket } = next;
      const key = bucket.keys[bucket.head]!;
      this.shift(bucket);
      const entry = this.pending.get(key)!;
      const group = entry.group;
      this.ready.delete(key);
      this.pending.delete(key);
      if (group !== undefined) this.groupActive.set(group, (this.groupActive.get(group) ?? 0) + 1);
      this.inFlight.set(key, this.run(key, entry.reasons, group));
    }
    this.opts.onChange?.(this.pending.size, this.inFlight.size);
    this.notifyIdle();
  }

  /** Whether this turn of the event loop has run queue work for turnBudgetMs already. */
  private turnUsedUp(): boolean {
    const budget = this.opts.turnBudgetMs;
    if (budget === undefined || this.ready.size === 0) return false;
    const now = performance.now();
    if (this.turnStartedAt === undefined) {
      this.turnStartedAt = now;
      // Runs after this turn's microtasks: the chain of keys that resolve without I/O ends before it.
      setImmediate(() => (this.turnStartedAt = undefined));
      return false;
    }
    return now - this.turnStartedAt >= budget;
  }

  /** The next key starts in a later turn, after the I/O and timers that are waiting. */
  private yieldTurn(): void {
    this.yielding = true;
    setImmediate(() => {
      this.yielding = false;
      if (!this.stopped) this.pump();
    });
  }

  private async run(key: string, reasons: ReadonlySet<R>, group: string | undefined): Promise<void> {
    let inGroup = group !== undefined;
    const leave = (): boolean => {
      if (!inGroup) return false;
      inGroup = false;
      const left = (this.groupActive.get(group!) ?? 1) - 1;
      if (left > 0) this.groupActive.set(group!, left);
      else this.groupActive.delete(group!);
      return true;
    };
    const context: RunContext = {
      // A key of the group may be waiting for exactly this slot. Not pumped from here: process() may
      // call this before its first await, while pump() is still starting this key (not yet in flight),
      // and a pump then would start keys past `concurrency`.
      leaveGroup: () => {
        if (leave() && !this.stopped) queueMicrotask(() => this.pump());
      },
    };
    let result: ProcessResult;
    try {
      result = (await this.opts.process(key, reasons, context)) ?? {};
    } catch (err) {
      this.opts.onError?.(key, err);
      result = { retry: true };
    }
    this.inFlight.delete(key);
    leave();
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
