import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { WorkQueue } from './work-queue.js';

const log = pino({ level: 'silent' });

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
}

describe('WorkQueue', () => {
  it('runs a key queued many times once', async () => {
    const seen: string[] = [];
    const gate = deferred();
    const q = new WorkQueue({
      name: 't',
      log,
      concurrency: 1,
      handler: async (key) => {
        if (key === 'block') await gate.promise;
        seen.push(key);
      },
    });
    q.add('block');
    q.add('a');
    q.add('a');
    q.add('a');
    gate.resolve();
    await until(() => seen.length === 2);
    await q.shutdown();
    expect(seen).toEqual(['block', 'a']);
  });

  it('never runs one key twice at once, and reruns it when it changed meanwhile', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const gate = deferred();
    const q = new WorkQueue({
      name: 't',
      log,
      concurrency: 4,
      handler: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        runs++;
        if (runs === 1) await gate.promise;
        running--;
      },
    });
    q.add('k');
    await until(() => runs === 1);
    q.add('k');
    q.add('k');
    gate.resolve();
    await until(() => runs === 2);
    await q.shutdown();
    expect(maxRunning).toBe(1);
    expect(runs).toBe(2);
  });

  it('retries a failing key with backoff until it succeeds', async () => {
    let attempts = 0;
    const q = new WorkQueue({
      name: 't',
      log,
      minBackoffMs: 1,
      handler: () => {
        attempts++;
        return attempts < 3 ? Promise.reject(new Error('conflict')) : Promise.resolve();
      },
    });
    q.add('k');
    await until(() => attempts === 3);
    await q.shutdown();
    expect(attempts).toBe(3);
  });

  it('shutdown waits for running work and drops waiting keys', async () => {
    const gate = deferred();
    const done: string[] = [];
    const q = new WorkQueue({
      name: 't',
      log,
      concurrency: 1,
      handler: async (key) => {
        if (key === 'a') await gate.promise;
        done.push(key);
      },
    });
    q.add('a');
    q.add('b');
    const stopped = q.shutdown();
    gate.resolve();
    await stopped;
    expect(done).toEqual(['a']);
  });
});
