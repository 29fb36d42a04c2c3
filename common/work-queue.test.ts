import { describe, expect, it } from 'vitest';
import {
  WorkQueue,
  backoffDelay,
  type ProcessResult,
  type QueueClock,
  type RunContext,
} from './work-queue.js';

class FakeClock implements QueueClock {
  t = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private id = 0;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = ++this.id;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  };
  clearTimeout = (h: unknown) => {
    this.timers.delete(h as number);
  };
  /** Advances time, firing due timers in order. */
  advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at);
      const first = due[0];
      if (!first) break;
      this.timers.delete(first[0]);
      this.t = Math.max(this.t, first[1].at);
      first[1].fn();
    }
    this.t = end;
  }
}

/** A processor whose calls wait until the test releases them. */
function controllable() {
  const calls: { key: string; reasons: string[]; release: (r?: ProcessResult) => void }[] = [];
  const process = (key: string, reasons: ReadonlySet<string>) =>
    new Promise<ProcessResult>((resolve) => {
      calls.push({ key, reasons: [...reasons].sort(), release: (r = {}) => resolve(r) });
    });
  return { calls, process };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('backoffDelay', () => {
  it.each([
    [0, 0],
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [9, 256_000],
    [10, 300_000],
    [60, 300_000],
  ])('failure %i waits %i ms', (failures, expected) => {
    expect(backoffDelay(failures, 1000, 300_000)).toBe(expected);
  });
});

describe('WorkQueue', () => {
  it('runs at most one evaluation per key and re-runs once when triggered meanwhile', async () => {
    const clock = new FakeClock();
    const { calls, process } = controllable();
    const q = new WorkQueue<string>({ concurrency: 4, process, clock, retryReason: 'retry' });
    q.start();
    q.add('a', 'cron');
    await flush();
    expect(calls).toHaveLength(1);
    q.add('a', 'webhook');
    q.add('a', 'manual');
    await flush();
    expect(calls).toHaveLength(1); // still one in flight
    calls[0]!.release();
    await flush();
    expect(calls).toHaveLength(2);
    expect(calls[1]!.reasons).toEqual(['manual', 'webhook']);
    calls[1]!.release();
    await flush();
    expect(calls).toHaveLength(2);
    await q.idle();
  });

  it('coalesces triggers for a waiting key into one evaluation with all reasons', async () => {
    const clock = new FakeClock();
    const { calls, process } = controllable();
    const q = new WorkQueue<string>({ concurrency: 1, process, clock, retryReason: 'retry' });
    q.start();
    q.add('busy', 'cron');
    await flush();
    q.add('b', 'cron');
    q.add('b', 'webhook');
    q.add('b', 'cron');
    expect(q.depth).toBe(1);
    calls[0]!.release();
    await flush();
    expect(calls.map((c) => c.key)).toEqual(['busy', 'b']);
    expect(calls[1]!.reasons).toEqual(['cron', 'webhook']);
  });

  it('never runs more than `concurrency` evaluations at once', async () => {
    const clock = new FakeClock();
    const { calls, process } = controllable();
    const q = new WorkQueue<string>({ concurrency: 3, process, clock, retryReason: 'retry' });
    q.start();
    for (let i = 0; i < 10; i++) q.add(`k${i}`, 'cron');
    await flush();
    expect(calls).toHaveLength(3);
    expect(q.active).toBe(3);
    calls[0]!.release();
    await flush();
    expect(calls).toHaveLength(4);
    expect(q.active).toBe(3);
  });

  it('keeps a group to its limit while keys of other groups take the free slots, in FIFO order', async () => {
    const clock = new FakeClock();
    const { calls, process } = controllable();
    const q = new WorkQueue<string>({
      concurrency: 4,
      process,
      clock,
      retryReason: 'retry',
      groupOf: (key) => key.split('/')[0],
      maxActivePerGroup: 3,
    });
    q.start();
    // Twelve keys of a group whose evaluations hang, queued before one key of another group.
    for (let i = 0; i < 12; i++) q.add(`dead/k${i}`, 'cron');
    q.add('healthy/web', 'manual');
    await flush();
    expect(calls.map((c) => c.key)).toEqual(['dead/k0', 'dead/k1', 'dead/k2', 'healthy/web']);
    calls[3]!.release();
    await flush();
    // The freed slot is not taken by the capped group: its keys wait without holding a slot ...
    expect(calls).toHaveLength(4);
    expect(q.active).toBe(3);
    q.add('healthy/api', 'manual');
    await flush();
    // ... so a later key of another group starts at once.
    expect(calls.map((c) => c.key).slice(4)).toEqual(['healthy/api']);
    // When a key of the group finishes, the next one of that group starts, in the order they came.
    calls[0]!.release();
    await flush();
    expect(calls.map((c) => c.key).slice(5)).toEqual(['dead/k3']);
    expect(q.depth).toBe(8);
  });

  it('lets a key leave its group early: the next key of the group starts, the overall limit still holds', async () => {
    const clock = new FakeClock();
    const calls: { key: string; run: RunContext; release: () => void }[] = [];
    const q = new WorkQueue<string>({
      concurrency: 3,
      process: (key, _reasons, run) =>
        new Promise<ProcessResult>((resolve) => calls.push({ key, run, release: () => resolve({}) })),
      clock,
      retryReason: 'retry',
      groupOf: (key) => key.split('/')[0],
      maxActivePerGroup: 1,
    });
    q.start();
    for (let i = 0; i < 5; i++) q.add(`hub/k${i}`, 'cron');
    await flush();
    expect(calls.map((c) => c.key)).toEqual(['hub/k0']);
    calls[0]!.run.leaveGroup();
    await flush();
    expect(calls.map((c) => c.key)).toEqual(['hub/k0', 'hub/k1']);
    // Leaving twice frees nothing more, and finishing after leaving does not free the group's slot again.
    calls[0]!.run.leaveGroup();
    await flush();
    expect(calls).toHaveLength(2);
    calls[0]!.release();
    await flush();
    expect(calls).toHaveLength(2);
    expect(q.active).toBe(1);
    calls[1]!.run.leaveGroup();
    await flush();
    calls[2]!.run.leaveGroup();
    await flush();
    // Three in flight (k1, k2, k3), none of them in the group: `concurrency` is the bound now.
    expect(calls.map((c) => c.key)).toEqual(['hub/k0', 'hub/k1', 'hub/k2', 'hub/k3']);
    expect(q.active).toBe(3);
    calls[3]!.run.leaveGroup();
    await flush();
    expect(calls).toHaveLength(4);
    calls[1]!.release();
    await flush();
    expect(calls.map((c) => c.key).at(-1)).toBe('hub/k4');
    expect(q.active).toBe(3);
  });

  it('a key that leaves its group before its first await does not start keys past the overall limit', async () => {
    const clock = new FakeClock();
    const started: string[] = [];
    const releases: (() => void)[] = [];
    const q = new WorkQueue<string>({
      concurrency: 3,
      process: (key, _reasons, run) => {
        started.push(key);
        run.leaveGroup();
        return new Promise<ProcessResult>((resolve) => releases.push(() => resolve({})));
      },
      clock,
      retryReason: 'retry',
      groupOf: () => 'hub',
      maxActivePerGroup: 2,
    });
    q.start();
    for (let i = 0; i < 20; i++) q.add(`k${i}`, 'rollout');
    await flush();
    expect(started).toEqual(['k0', 'k1', 'k2']);
    expect(q.active).toBe(3);
    releases[0]!();
    await flush();
    expect(started).toEqual(['k0', 'k1', 'k2', 'k3']);
    expect(q.active).toBe(3);
  });

  it('retries failures with growing backoff and resets after a success', async () => {
    const clock = new FakeClock();
    const { calls, process } = controllable();
    const q = new WorkQueue<string>({
      concurrency: 1,
      process,
      clock,
      retryReason: 'retry',
      retryBaseMs: 1000,
      retryMaxMs: 10_000,
    });
    q.start();
    q.add('a', 'cron');
    await flush();
    calls[0]!.release({ retry: true });
    await flush();
    expect(q.failureCount('a')).toBe(1);
    clock.advance(999);
    await flush();
    expect(calls).toHaveLength(1);
    clock.advance(1);
    await flush();
    expect(calls).toHaveLength(2);
    expect(calls[1]!.reasons).toEqual(['retry']);
    calls[1]!.release({ retry: true });
    await flush();
    clock.advance(1999);
    await flush();
    expect(calls).toHaveLength(2);
    clock.advance(1);
    await flush();
    expect(calls).toHaveLength(3);
    calls[2]!.release({});
    await flush();
    expect(q.failureCount('a')).toBe(0);
    clock.advance(60_000);
    await flush();
    expect(calls).toHaveLength(3);
  });

  it('treats a thrown error as a failure to retry, and keeps serving other keys', async () => {
    const clock = new FakeClock();
    const seen: string[] = [];
    const errors: string[] = [];
    const q = new WorkQueue<string>({
      concurrency: 1,
      clock,
      retryReason: 'retry',
      process: async (key) => {
        seen.push(key);
        if (key === 'bad') throw new Error('boom');
        return {};
      },
      onError: (key) => errors.push(key),
    });
    q.start();
    q.add('bad', 'cron');
    q.add('good', 'cron');
    await q.idle();
    expect(seen).toEqual(['bad', 'good']);
    expect(errors).toEqual(['bad']);
    expect(q.failureCount('bad')).toBe(1);
    clock.advance(1000);
    await q.idle();
    expect(seen).toEqual(['bad', 'good', 'bad']);
  });

  it('honours a longer retry-after than the backoff', async () => {
    const clock = new FakeClock();
    const { calls, process } = controllable();
    const q = new WorkQueue<string>({
      concurrency: 1,
      process,
      clock,
      retryReason: 'retry',
      retryBaseMs: 1000,
    });
    q.start();
    q.add('a', 'cron');
    await flush();
    calls[0]!.release({ retry: true, retryAfterMs: 30_000 });
    await flush();
    clock.advance(29_999);
    await flush();
    expect(calls).toHaveLength(1);
    clock.advance(1);
    await flush();
    expect(calls).toHaveLength(2);
  });

  it('requeues after exactly the asked delay without growing the backoff', async () => {
    const clock = new FakeClock();
    const { calls, process } = controllable();
    const q = new WorkQueue<string>({
      concurrency: 1,
      process,
      clock,
      retryReason: 'retry',
      retryBaseMs: 1000,
    });
    q.start();
    q.add('a', 'cron');
    await flush();
    calls[0]!.release({ retry: true });
    await flush();
    clock.advance(1000);
    await flush();
    calls[1]!.release({ requeueAfterMs: 3000 });
    await flush();
    clock.advance(2999);
    await flush();
    expect(calls).toHaveLength(2);
    clock.advance(1);
    await flush();
    expect(calls).toHaveLength(3);
    // The requeue reset the failures: the next retry waits the base delay again, not 2 s.
    calls[2]!.release({ retry: true });
    await flush();
    clock.advance(1000);
    await flush();
    expect(calls).toHaveLength(4);
    expect(calls[3]!.reasons).toEqual(['retry']);
  });

  it('holds work while paused and forgets deleted keys', async () => {
    const clock = new FakeClock();
    const { calls, process } = controllable();
    const q = new WorkQueue<string>({ concurrency: 2, process, clock, retryReason: 'retry' });
    q.add('a', 'cron');
    q.add('b', 'cron');
    q.add('c', 'cron', 5000);
    q.forget('b');
    await flush();
    expect(calls).toHaveLength(0);
    q.start();
    await flush();
    expect(calls.map((c) => c.key)).toEqual(['a']);
    q.pause();
    clock.advance(5000);
    await flush();
    expect(calls.map((c) => c.key)).toEqual(['a']);
    q.start();
    await flush();
    expect(calls.map((c) => c.key)).toEqual(['a', 'c']);
  });

  it('an earlier trigger pulls a delayed entry forward', async () => {
    const clock = new FakeClock();
    const { calls, process } = controllable();
    const q = new WorkQueue<string>({ concurrency: 1, process, clock, retryReason: 'retry' });
    q.start();
    q.add('a', 'retry', 60_000);
    await flush();
    expect(calls).toHaveLength(0);
    q.add('a', 'webhook');
    await flush();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.reasons).toEqual(['retry', 'webhook']);
  });

  it('reports depth and active after every change, ending at 0 when all is done', async () => {
    const clock = new FakeClock();
    const seen: [number, number][] = [];
    const q = new WorkQueue<string>({
      concurrency: 2,
      clock,
      retryReason: 'retry',
      process: async () => ({}),
      onChange: (depth, active) => seen.push([depth, active]),
    });
    q.start();
    q.add('a', 'cron');
    q.add('b', 'cron');
    q.add('c', 'cron');
    await q.idle();
    expect(seen.some(([, active]) => active === 2)).toBe(true);
    expect(seen.at(-1)).toEqual([0, 0]);
  });

  it('takes a processor that resolves nothing as a success, and one that throws as a failure', async () => {
    // The operator's reconcilers return nothing and throw to be retried.
    const clock = new FakeClock();
    const seen: string[] = [];
    let attempts = 0;
    const q = new WorkQueue<'changed' | 'retry'>({
      concurrency: 2,
      clock,
      retryReason: 'retry',
      retryBaseMs: 500,
      process: async (key) => {
        seen.push(key);
        if (key === 'flaky' && ++attempts < 3) throw new Error('conflict');
      },
    });
    q.start();
    q.add('ok', 'changed');
    q.add('flaky', 'changed');
    await q.idle();
    expect(q.failureCount('ok')).toBe(0);
    expect(q.failureCount('flaky')).toBe(1);
    clock.advance(500);
    await q.idle();
    expect(q.failureCount('flaky')).toBe(2);
    clock.advance(1000);
    await q.idle();
    expect(q.failureCount('flaky')).toBe(0);
    expect(seen).toEqual(['ok', 'flaky', 'flaky', 'flaky']);
    clock.advance(60_000);
    await q.idle();
    expect(seen).toHaveLength(4);
  });

  it('shutdown waits for evaluations in flight and drops the rest', async () => {
    const clock = new FakeClock();
    const { calls, process } = controllable();
    const q = new WorkQueue<string>({ concurrency: 1, process, clock, retryReason: 'retry' });
    q.start();
    q.add('a', 'cron');
    q.add('b', 'cron');
    await flush();
    let done = false;
    const stopping = q.shutdown(10_000).then(() => (done = true));
    await flush();
    expect(done).toBe(false);
    calls[0]!.release({ retry: true });
    await stopping;
    expect(calls.map((c) => c.key)).toEqual(['a']);
    q.add('c', 'cron');
    await flush();
    expect(calls).toHaveLength(1);
  });
});

describe('WorkQueue with many due keys per group', () => {
  /** Deterministic pseudo-random numbers (a test must replay the same way). */
  const lcg = (seed: number) => () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;

  /**
   * The reference: one FIFO of due keys, walked from the front on every change, starting each key whose
   * group is below its limit while a slot is free (the queue's guarantees, stated as the slow algorithm).
   */
  class Model {
    private readonly waiting: string[] = [];
    private readonly perGroup = new Map<string, number>();
    private active = 0;
    readonly started: string[] = [];
    constructor(
      private readonly concurrency: number,
      private readonly cap: number,
      private readonly groupOf: (key: string) => string | undefined,
    ) {}
    add(key: string) {
      this.waiting.push(key);
      this.pump();
    }
    done(key: string) {
      this.active--;
      const g = this.groupOf(key);
      if (g !== undefined) this.perGroup.set(g, this.perGroup.get(g)! - 1);
      this.pump();
    }
    private pump() {
      for (let i = 0; i < this.waiting.length && this.active < this.concurrency;) {
        const key = this.waiting[i]!;
        const g = this.groupOf(key);
        if (g !== undefined && (this.perGroup.get(g) ?? 0) >= this.cap) {
          i++;
          continue;
        }
        this.waiting.splice(i, 1);
        this.active++;
        if (g !== undefined) this.perGroup.set(g, (this.perGroup.get(g) ?? 0) + 1);
        this.started.push(key);
      }
    }
  }

  // Keys without a slash belong to no group.
  const groupOf = (key: string) => (key.includes('/') ? key.slice(0, key.indexOf('/')) : undefined);

  it.each([
    // keys, share of the big group, cap per group, concurrency
    [1000, 1, 4, 8],
    [1000, 0.9, 4, 8],
    [500, 0.6, 1, 3],
    [300, 0.5, 3, 3],
    [200, 0.3, 10, 4],
  ])(
    '%i due keys (%f on one host), cap %i, concurrency %i: limits hold and keys start in the reference order',
    async (n, share, cap, concurrency) => {
      const clock = new FakeClock();
      const { calls, process } = controllable();
      const q = new WorkQueue<string>({
        concurrency,
        process,
        clock,
        retryReason: 'retry',
        groupOf,
        maxActivePerGroup: cap,
      });
      const model = new Model(concurrency, cap, groupOf);
      const random = lcg(n + cap);
      const others = ['quay.io', 'ghcr.io', 'registry.local'];
      const keys = Array.from({ length: n }, (_, i) => {
        const r = random();
        if (r < share) return `docker.io/k${i}`;
        if (r < share + (1 - share) / 2) return `${others[i % others.length]}/k${i}`;
        return `nogroup-k${i}`;
      });
      q.start();
      for (const key of keys) {
        q.add(key, 'cron');
        model.add(key);
      }
      await flush();
      const released = new Set<number>();
      for (let step = 0; step < n; step++) {
        expect(calls.map((c) => c.key)).toEqual(model.started);
        const running = calls.map((_, i) => i).filter((i) => !released.has(i));
        expect(running.length).toBeLessThanOrEqual(concurrency);
        const perGroup = new Map<string, number>();
        for (const i of running) {
          const g = groupOf(calls[i]!.key);
          if (g !== undefined) perGroup.set(g, (perGroup.get(g) ?? 0) + 1);
        }
        for (const count of perGroup.values()) expect(count).toBeLessThanOrEqual(cap);
        // Finish one evaluation in flight, chosen at random, so groups drain at different speeds.
        const pick = running[Math.floor(random() * running.length)]!;
        released.add(pick);
        calls[pick]!.release();
        model.done(calls[pick]!.key);
        await flush();
      }
      expect(calls.map((c) => c.key)).toEqual(model.started);
      expect(new Set(model.started).size).toBe(n);
      expect(q.depth).toBe(0);
      await q.idle();
    },
  );

  it('a capped group with a thousand due keys starves no other group, then runs its keys in FIFO order', async () => {
    const clock = new FakeClock();
    const { calls, process } = controllable();
    const q = new WorkQueue<string>({
      concurrency: 8,
      process,
      clock,
      retryReason: 'retry',
      groupOf,
      maxActivePerGroup: 4,
    });
    q.start();
    for (let i = 0; i < 1000; i++) q.add(`hub/k${i}`, 'cron');
    await flush();
    expect(calls.map((c) => c.key)).toEqual(['hub/k0', 'hub/k1', 'hub/k2', 'hub/k3']);
    // Keys of other groups, and of none, queued behind the thousand, start at once.
    q.add('quay/a', 'webhook');
    q.add('loose', 'manual');
    q.add('ghcr/b', 'webhook');
    await flush();
    expect(calls.map((c) => c.key).slice(4)).toEqual(['quay/a', 'loose', 'ghcr/b']);
    // A trigger for a waiting key keeps its place; a forgotten key gives up its place, and a key due
    // again later queues at the tail.
    q.add('hub/k5', 'webhook');
    q.forget('hub/k4');
    q.forget('hub/k6');
    q.add('hub/k6', 'manual');
    calls[0]!.release();
    calls[1]!.release();
    await flush();
    expect(calls.map((c) => c.key).slice(7)).toEqual(['hub/k5', 'hub/k7']);
    // A free slot goes to the oldest startable key: the hub is at its cap, so a newer key of another group.
    q.add('quay/c', 'cron');
    await flush();
    expect(calls.map((c) => c.key).slice(9)).toEqual(['quay/c']);
    const released = new Set([0, 1]);
    for (let i = 0; i < 1100 && q.depth > 0; i++) {
      const next = calls.findIndex((c, j) => !released.has(j) && c.key.startsWith('hub/'));
      released.add(next);
      calls[next]!.release();
      await flush();
    }
    expect(q.depth).toBe(0);
    const hub = calls.map((c) => c.key).filter((k) => k.startsWith('hub/'));
    const expected = Array.from({ length: 1000 }, (_, i) => `hub/k${i}`).filter(
      (k) => k !== 'hub/k4' && k !== 'hub/k6',
    );
    expect(hub).toEqual([...expected, 'hub/k6']);
  });
});

describe('WorkQueue turnBudgetMs', () => {
  /** Keys whose processing takes 1 ms of CPU and no I/O, like a reconcile with nothing to write. */
  async function drain(turnBudgetMs: number | undefined) {
    const order: string[] = [];
    const q = new WorkQueue<string>({
      concurrency: 2,
      retryReason: 'retry',
      ...(turnBudgetMs === undefined ? {} : { turnBudgetMs }),
      process: async (key) => {
        const until = performance.now() + 1;
        while (performance.now() < until);
        order.push(key);
      },
    });
    const keys = Array.from({ length: 100 }, (_, i) => `k${i}`);
    for (const k of keys) q.add(k, 'changed');
    let doneWhenTimerRan = -1;
    setTimeout(() => (doneWhenTimerRan = order.length), 0);
    q.start();
    await q.idle();
    await q.shutdown();
    await new Promise((r) => setTimeout(r, 0)); // the timer has run by now in either case
    return { order, keys, doneWhenTimerRan };
  }

  it('lets a timer run while keys that need no I/O are processed, in the same order', async () => {
    const { order, keys, doneWhenTimerRan } = await drain(5);
    expect(order).toEqual(keys);
    expect(doneWhenTimerRan).toBeGreaterThan(0);
    expect(doneWhenTimerRan).toBeLessThan(keys.length);
  });

  it('without it, processes every such key before a timer runs', async () => {
    const { order, keys, doneWhenTimerRan } = await drain(undefined);
    expect(order).toEqual(keys);
    expect(doneWhenTimerRan).toBe(keys.length);
  });
});
