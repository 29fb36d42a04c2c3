import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { metricsRegistry } from '../../common/metrics.js';
import { CronScheduler } from './scheduler.js';
import { parseSchedule } from '../../domain/schedule/parse.js';
import { nextRun } from './next-run.js';

const T0 = Date.UTC(2025, 0, 1, 0, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const cron = (value: string, timezone?: string) => ({
  type: 'crontab',
  value,
  ...(timezone ? { timezone } : {}),
});

/** A scheduler whose fires are recorded as [key, time]. */
function recording(opts: { maxJitterMs?: number; maxSleepMs?: number } = {}) {
  const fires: [string, number][] = [];
  const scheduler = new CronScheduler({ ...opts, onFire: (key) => void fires.push([key, Date.now()]) });
  return { scheduler, fires };
}

async function cronFireCount(): Promise<number> {
  const metric = (await metricsRegistry.getMetricsAsJSON()).find(
    (m) => m.name === 'tagpilot_cron_fires_total',
  );
  return metric?.values[0]?.value ?? 0;
}

describe('CronScheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires 1,000 Images once per tick, each at its own jittered time, with one timer', async () => {
    // Half-way between ticks: at a tick itself, that tick's jittered runs would still be ahead.
    vi.setSystemTime(T0 + 30_000);
    const { scheduler, fires } = recording({ maxJitterMs: 5_000 });
    const keys = Array.from({ length: 1000 }, (_, i) => `team-${i % 10}/image-${i}`);
    for (const key of keys) expect(scheduler.set(key, [cron('@every 1m'), { type: 'webhook' }])).toEqual([]);
    expect(scheduler.size).toBe(1000);
    expect(vi.getTimerCount()).toBe(1);
    const before = await cronFireCount();

    await vi.advanceTimersByTimeAsync(30_000 + 5_000);
    expect(fires).toHaveLength(1000);
    const schedule = parseSchedule('@every 1m');
    const byKey = new Map(fires);
    for (const key of keys) {
      const expected = nextRun(schedule, new Date(T0 + 30_000), key, 5_000).getTime();
      expect(byKey.get(key)).toBe(expected);
      expect(expected).toBeGreaterThanOrEqual(T0 + MINUTE);
      expect(expected).toBeLessThan(T0 + MINUTE + 5_000);
    }
    // Fired in time order.
    const times = fires.map(([, t]) => t);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(await cronFireCount()).toBe(before + 1000);

    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(fires).toHaveLength(2000);
    expect(new Set(fires.slice(1000).map(([k]) => k)).size).toBe(1000);
    expect(vi.getTimerCount()).toBe(1);
    scheduler.stop();
  });

  it('stops firing deleted keys and drops its timer when empty', async () => {
    const { scheduler, fires } = recording();
    scheduler.set('a/one', [cron('* * * * *')]);
    scheduler.set('a/two', [cron('* * * * *')]);
    expect(scheduler.delete('a/one')).toBe(true);
    expect(scheduler.delete('a/one')).toBe(false);
    await vi.advanceTimersByTimeAsync(2 * MINUTE);
    expect(fires.map(([k]) => k)).toEqual(['a/two', 'a/two']);
    scheduler.delete('a/two');
    expect(scheduler.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reschedules a key whose triggers changed, and leaves it alone when they did not', async () => {
    const { scheduler, fires } = recording({ maxJitterMs: 0 });
    scheduler.set('a/web', [cron('@every 1h')]);
    expect(scheduler.nextFire('a/web')?.getTime()).toBe(T0 + HOUR);

    scheduler.set('a/web', [cron('*/10 * * * *')]);
    expect(scheduler.nextFire('a/web')?.getTime()).toBe(T0 + 10 * MINUTE);

    await vi.advanceTimersByTimeAsync(5 * MINUTE);
    // Same triggers again (an informer resync): the pending run stays where it was.
    scheduler.set('a/web', [cron('*/10 * * * *')]);
    expect(scheduler.nextFire('a/web')?.getTime()).toBe(T0 + 10 * MINUTE);
    await vi.advanceTimersByTimeAsync(5 * MINUTE);
    expect(fires).toEqual([['a/web', T0 + 10 * MINUTE]]);

    // No crontab trigger left: the key goes.
    scheduler.set('a/web', [{ type: 'webhook' }]);
    expect(scheduler.size).toBe(0);
    expect(scheduler.nextFire('a/web')).toBeUndefined();
  });

  it('runs the earliest of several crontab triggers, once per instant', async () => {
    const { scheduler, fires } = recording({ maxJitterMs: 0 });
    scheduler.set('a/web', [cron('0 * * * *'), cron('*/30 * * * *'), cron('@every 1h')]);
    await vi.advanceTimersByTimeAsync(2 * HOUR);
    expect(fires.map(([, t]) => (t - T0) / MINUTE)).toEqual([30, 60, 90, 120]);
  });

  it('reads time zones', async () => {
    const { scheduler, fires } = recording({ maxJitterMs: 0 });
    scheduler.set('a/web', [cron('0 3 * * *', 'Asia/Tokyo')]);
    // 03:00 in Tokyo is 18:00 UTC the day before; from 2025-01-01T00:00Z that is 18:00Z the same day.
    await vi.advanceTimersByTimeAsync(24 * HOUR);
    expect(fires.map(([, t]) => new Date(t).toISOString())).toEqual(['2025-01-01T18:00:00.000Z']);
  });

  it('returns errors of invalid triggers with field paths and still runs the valid ones', async () => {
    const { scheduler, fires } = recording({ maxJitterMs: 0 });
    const errors = scheduler.set('a/web', [
      { type: 'webhook' },
      cron('61 * * * *'),
      cron('0 * * * *', 'Mars/Olympus'),
      cron('@every 30m'),
    ]);
    expect(errors).toEqual([
      { field: 'spec.triggers[1].value', message: expect.stringMatching(/minute field "61"/) },
      {
        field: 'spec.triggers[2].timezone',
        message: expect.stringMatching(/unknown time zone "Mars\/Olympus"/),
      },
    ]);
    await vi.advanceTimersByTimeAsync(30 * MINUTE);
    expect(fires).toEqual([['a/web', T0 + 30 * MINUTE]]);

    expect(scheduler.set('a/bad', [cron('nonsense')])).toHaveLength(1);
    expect(scheduler.nextFire('a/bad')).toBeUndefined();
    expect(scheduler.size).toBe(1);
  });

  it('never arms a timer longer than the maximum sleep, nor than setTimeout allows', async () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const { scheduler, fires } = recording({ maxJitterMs: 0, maxSleepMs: Number.MAX_SAFE_INTEGER });
    scheduler.set('a/yearly', [cron('@yearly')]);
    const delays = () => spy.mock.calls.map((call) => Number(call[1]));
    expect(Math.max(...delays())).toBe(2 ** 31 - 1);
    // Sleeping 24.8 days at a time, the first wake-ups find nothing due, then the run comes on time.
    await vi.advanceTimersByTimeAsync(364 * 24 * HOUR);
    expect(fires).toEqual([]);
    await vi.advanceTimersByTimeAsync(24 * HOUR);
    expect(fires).toEqual([['a/yearly', Date.UTC(2026, 0, 1)]]);
    expect(Math.max(...delays())).toBeLessThanOrEqual(2 ** 31 - 1);
    spy.mockRestore();
    scheduler.stop();
  });

  it('catches up once, not once per missed tick, after the clock jumps forward', async () => {
    const { scheduler, fires } = recording({ maxJitterMs: 0 });
    scheduler.set('a/web', [cron('0 * * * *')]);
    await vi.advanceTimersByTimeAsync(30 * MINUTE);
    // The wall clock jumps 3 hours ahead (a suspended VM, an NTP step); timers run on monotonic time.
    vi.setSystemTime(T0 + 3 * HOUR + 30 * MINUTE);
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(fires).toEqual([['a/web', T0 + 3 * HOUR + 31 * MINUTE]]);
    expect(scheduler.nextFire('a/web')?.getTime()).toBe(T0 + 4 * HOUR);
    scheduler.stop();
  });

  it('does not fire early after the clock jumps backward', async () => {
    const { scheduler, fires } = recording({ maxJitterMs: 0 });
    scheduler.set('a/web', [cron('0 * * * *')]);
    await vi.advanceTimersByTimeAsync(59 * MINUTE);
    vi.setSystemTime(T0);
    await vi.advanceTimersByTimeAsync(59 * MINUTE);
    expect(fires).toEqual([]);
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(fires).toEqual([['a/web', T0 + HOUR]]);
    scheduler.stop();
  });

  it('keeps firing other keys when a callback throws or rejects', async () => {
    const fired: string[] = [];
    const errors: unknown[] = [];
    const logger = { error: (obj: unknown) => void errors.push(obj), warn: () => undefined };
    const scheduler = new CronScheduler({
      maxJitterMs: 0,
      logger: logger as never,
      onFire: (key) => {
        fired.push(key);
        if (key === 'a/throws') throw new Error('boom');
        if (key === 'a/rejects') return Promise.reject(new Error('later boom'));
      },
    });
    for (const key of ['a/throws', 'a/rejects', 'a/fine']) scheduler.set(key, [cron('* * * * *')]);
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(fired.sort()).toEqual(['a/fine', 'a/rejects', 'a/throws']);
    expect(errors).toEqual([
      { key: 'a/throws', err: 'boom' },
      { key: 'a/rejects', err: 'later boom' },
    ]);
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(fired).toHaveLength(6);
    scheduler.stop();
  });

  it('lets a callback change the schedule while firing', async () => {
    const fired: string[] = [];
    const scheduler: CronScheduler = new CronScheduler({
      maxJitterMs: 0,
      onFire: (key) => {
        fired.push(key);
        scheduler.delete(key === 'a/one' ? 'a/two' : 'a/one');
      },
    });
    scheduler.set('a/one', [cron('* * * * *')]);
    scheduler.set('a/two', [cron('* * * * *')]);
    await vi.advanceTimersByTimeAsync(3 * MINUTE);
    // Both were due at the first minute; the first callback removed the other for later minutes.
    expect(fired).toEqual(['a/one', 'a/two']);
    expect(scheduler.size).toBe(0);
  });

  it('forgets everything on stop() and can be filled again', async () => {
    const { scheduler, fires } = recording({ maxJitterMs: 0 });
    scheduler.set('a/web', [cron('* * * * *')]);
    scheduler.stop();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(5 * MINUTE);
    expect(fires).toEqual([]);
    scheduler.set('a/web', [cron('* * * * *')]);
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(fires).toEqual([['a/web', T0 + 6 * MINUTE]]);
    scheduler.stop();
  });
});
