// A keyed work queue for level-based reconcilers, after client-go's workqueue: a key waiting is queued
// once however many events name it; a key is never processed by two workers at once (an event that
// arrives meanwhile runs it again afterwards); failures retry with per-key exponential backoff.
import { errorMessage } from './errors.js';
import type { Logger } from './logger.js';

export interface WorkQueueOptions {
  name: string;
  /** Reconciles one key; throwing schedules a retry. */
  handler: (key: string) => Promise<void>;
  log: Logger;
  concurrency?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Called with the number of waiting keys whenever it changes (for a gauge). */
  onDepth?: (depth: number) => void;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly active = new Set<string>();
  /** Keys that were added while being processed: run again when done. */
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private running = 0;
  private shuttingDown = false;
  private idle: (() => void)[] = [];

  constructor(private readonly opts: WorkQueueOptions) {}

  get depth(): number {
    return this.queue.length;
  }

  add(key: string): void {
    if (this.shuttingDown) return;
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.opts.onDepth?.(this.queue.length);
    this.pump();
  }

  /** Adds the key after a delay (a pending delayed add for the same key is replaced). */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.add(key);
      }, delayMs),
    );
  }

  /** Stops taking work and waits for what is running; waiting keys are dropped (level-based: the next
   * leader lists everything again). */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.queue.length = 0;
    this.queued.clear();
    this.opts.onDepth?.(0);
    if (this.running > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    const concurrency = this.opts.concurrency ?? 2;
    while (!this.shuttingDown && this.running < concurrency && this.queue.length > 0) {
      const key = this.queue.shift()!;
      this.queued.delete(key);
      this.opts.onDepth?.(this.queue.length);
      this.active.add(key);
      this.running++;
      void this.process(key);
    }
  }

  private async process(key: string): Promise<void> {
    try {
      await this.opts.handler(key);
      this.failures.delete(key);
    } catch (err) {
      const attempts = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, attempts);
      const min = this.opts.minBackoffMs ?? 500;
      const delay = Math.min(min * 2 ** (attempts - 1), this.opts.maxBackoffMs ?? 60_000);
      this.opts.log.warn(
        { queue: this.opts.name, key, attempts, retryInMs: delay, err: errorMessage(err) },
        'reconcile failed; retrying',
      );
      this.addAfter(key, delay);
    } finally {
      this.active.delete(key);
      this.running--;
      if (this.dirty.delete(key)) this.add(key);
      if (this.running === 0 && this.shuttingDown) for (const resolve of this.idle.splice(0)) resolve();
      this.pump();
    }
  }
}
