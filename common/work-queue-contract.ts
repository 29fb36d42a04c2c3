// What a WorkQueue (work-queue.ts) is given and answers: its options, what a processed key asks of it
// afterwards, what a running process() may tell it, its clock and its backoff. The scheduling itself
// (due keys, groups, retries) is in work-queue.ts.

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

/** What a running process() may tell its queue. */
export interface RunContext {
  /**
   * The key no longer counts against its group's `maxActivePerGroup` (it still holds its slot of
   * `concurrency`): the part of the work the group stands for is done. The controller calls it once an
   * evaluation is past the registry, so a registry's cap bounds the evaluations waiting on that registry,
   * not those writing their outcome to the apiserver. Idempotent; a no-op for a key of no group.
   */
  leaveGroup(): void;
}

/** Resolving with nothing is a success; throwing is a failure to retry. */
export type Processor<R extends string> = (
  key: string,
  reasons: ReadonlySet<R>,
  run: RunContext,
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
  /**
   * Longest stretch, in ms, that the queue starts work within one turn of the event loop before it lets
   * I/O and timers run (the next key starts from setImmediate). A process() that resolves without I/O (a
   * reconcile with nothing to write) hands over to the next key in a microtask, so without this a resync
   * of 10,000 keys holds the loop for all of them: a server in the same process (the operator's
   * admission webhook) answers nothing meanwhile. Absent: never yields. Order and concurrency are the same.
   */
  turnBudgetMs?: number;
}

/** Backoff before retry number `failures` (1-based): base·2^(failures-1), capped. Pure, for tests. */
export function backoffDelay(failures: number, baseMs: number, maxMs: number): number {
  if (failures <= 0) return 0;
  const exp = Math.min(failures - 1, 30);
  return Math.min(maxMs, baseMs * 2 ** exp);
}
