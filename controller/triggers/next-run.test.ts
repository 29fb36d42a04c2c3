import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSchedule, type Schedule } from '../../domain/schedule/parse.js';
import { jitterFor, jitterFraction, nextRun } from './next-run.js';

const at = (iso: string) => new Date(iso);
/** Next tick without jitter. */
const tick = (schedule: Schedule, after: string) => nextRun(schedule, at(after), 'any', 0).toISOString();

describe('parseSchedule: valid schedules and their next tick', () => {
  it.each([
    // value, timezone, after, next tick
    ['0 */6 * * *', undefined, '2025-01-01T01:00:00Z', '2025-01-01T06:00:00.000Z'],
    ['0 */6 * * *', undefined, '2025-01-01T06:00:00Z', '2025-01-01T12:00:00.000Z'],
    ['*/15 * * * * *', undefined, '2025-01-01T00:00:07Z', '2025-01-01T00:00:15.000Z'],
    ['30 0 12 * * *', undefined, '2025-01-01T00:00:00Z', '2025-01-01T12:00:30.000Z'],
    ['  0   3 * * *  ', undefined, '2025-01-01T00:00:00Z', '2025-01-01T03:00:00.000Z'],
    ['@hourly', undefined, '2025-01-01T00:59:59.999Z', '2025-01-01T01:00:00.000Z'],
    ['@daily', 'Europe/Paris', '2025-01-01T00:00:00Z', '2025-01-01T23:00:00.000Z'],
    ['@midnight', 'UTC', '2025-01-01T00:00:00Z', '2025-01-02T00:00:00.000Z'],
    ['@WEEKLY', undefined, '2025-01-01T00:00:00Z', '2025-01-05T00:00:00.000Z'],
    ['@monthly', undefined, '2025-01-15T00:00:00Z', '2025-02-01T00:00:00.000Z'],
    ['@yearly', undefined, '2025-01-15T00:00:00Z', '2026-01-01T00:00:00.000Z'],
    ['@annually', undefined, '2025-01-15T00:00:00Z', '2026-01-01T00:00:00.000Z'],
    ['0 9 * * MON-FRI', 'America/New_York', '2025-01-04T00:00:00Z', '2025-01-06T14:00:00.000Z'],
    ['0 9 * * mon-fri', 'america/new_york', '2025-07-04T14:00:00Z', '2025-07-07T13:00:00.000Z'],
    ['0 0 L * *', undefined, '2025-02-01T00:00:00Z', '2025-02-28T00:00:00.000Z'],
    ['0 0 29 2 *', undefined, '2025-01-01T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    // Spring forward in Paris: 02:30 does not exist on 30 March 2025; the run moves to 03:30 local.
    ['30 2 * * *', 'Europe/Paris', '2025-03-29T12:00:00Z', '2025-03-30T01:30:00.000Z'],
    // Fall back: 02:30 happens twice on 26 October 2025; the schedule runs once, at the first.
    ['30 2 * * *', 'Europe/Paris', '2025-10-25T12:00:00Z', '2025-10-26T00:30:00.000Z'],
    ['30 2 * * *', 'Europe/Paris', '2025-10-26T00:30:00Z', '2025-10-27T01:30:00.000Z'],
    // @every is anchored at the Unix epoch.
    ['@every 10m', undefined, '2025-01-01T00:03:00Z', '2025-01-01T00:10:00.000Z'],
    ['@every 10s', undefined, '2025-01-01T00:00:10Z', '2025-01-01T00:00:20.000Z'],
    ['@every 1h30m', undefined, '2025-01-01T00:00:00Z', '2025-01-01T01:30:00.000Z'],
    ['@every   2h', undefined, '2025-01-01T01:00:00Z', '2025-01-01T02:00:00.000Z'],
  ])('%j (tz %s) after %s → %s', (value, timezone, after, expected) => {
    expect(tick(parseSchedule(value, timezone), after)).toBe(expected);
  });

  it('keeps the canonical time zone name and defaults to UTC', () => {
    const paris = parseSchedule('0 3 * * *', 'europe/paris');
    expect(paris).toMatchObject({ kind: 'cron', timezone: 'Europe/Paris', expression: '0 0 3 * * *' });
    expect(parseSchedule('0 3 * * *')).toMatchObject({ timezone: 'UTC' });
  });

  it('reads @every durations', () => {
    expect(parseSchedule('@every 1h30m')).toEqual({
      kind: 'every',
      value: '@every 1h30m',
      intervalMs: 5_400_000,
    });
  });

  it('hashes H fields per jitter key, the same way every time', () => {
    const schedule = parseSchedule('H H * * *');
    const after = at('2025-01-01T00:00:00Z');
    const a1 = nextRun(schedule, after, 'team-a/web', 0);
    const a2 = nextRun(schedule, after, 'team-a/web', 0);
    expect(a1).toEqual(a2);
    const runs = new Set(['a', 'b', 'c', 'd', 'e', 'f'].map((k) => nextRun(schedule, after, k, 0).getTime()));
    expect(runs.size).toBeGreaterThan(1);
    // THU is a day name, not a hash.
    expect(parseSchedule('0 0 * * THU')).toMatchObject({ hashed: false });
  });
});

describe('jitter', () => {
  const hourly = parseSchedule('0 * * * *');
  const after = at('2025-01-01T00:30:00Z');
  const top = at('2025-01-01T01:00:00Z').getTime();
  const keys = Array.from({ length: 1000 }, (_, i) => `ns-${i % 7}/image-${i}`);

  it('is deterministic per key', () => {
    for (const key of keys.slice(0, 50)) {
      expect(nextRun(hourly, after, key, 5_000)).toEqual(nextRun(hourly, after, key, 5_000));
      expect(jitterFraction(key)).toBe(jitterFraction(key));
    }
  });

  it('stays within [tick, tick + maxJitter) and spreads Images over it', () => {
    const offsets = keys.map((key) => nextRun(hourly, after, key, 5_000).getTime() - top);
    for (const offset of offsets) {
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(5_000);
    }
    // 1,000 keys over 5,000 ms: a hash that spreads well leaves few collisions and a central mean.
    expect(new Set(offsets).size).toBeGreaterThan(850);
    const mean = offsets.reduce((a, b) => a + b, 0) / offsets.length;
    expect(mean).toBeGreaterThan(2_250);
    expect(mean).toBeLessThan(2_750);
  });

  it('never reaches the next tick, however large the configured jitter', () => {
    const every10s = parseSchedule('@every 10s');
    const after10s = at('2025-01-01T00:00:10Z').getTime();
    for (const key of keys.slice(0, 200)) {
      const run = nextRun(every10s, new Date(after10s), key, 3_600_000).getTime();
      // The jitter is bounded by half the 10 s gap: the run belongs to the tick at 00:00:10 or 00:00:20.
      expect(run).toBeGreaterThan(after10s);
      expect(run % 10_000).toBeLessThan(5_000);
      expect(run).toBeLessThan(after10s + 15_000);
    }
  });

  it('is zero when maxJitter is 0', () => {
    expect(nextRun(hourly, after, 'a/b', 0).getTime()).toBe(top);
  });

  it('returns a tick that passed but whose jittered time has not', () => {
    const key = keys.find((k) => jitterFraction(k) > 0.5) as string;
    const run = nextRun(hourly, after, key, 5_000);
    // One millisecond after the tick, the same jittered run is still ahead.
    expect(nextRun(hourly, new Date(top + 1), key, 5_000)).toEqual(run);
    // At the run itself, the next one is an hour later.
    expect(nextRun(hourly, run, key, 5_000).getTime()).toBe(run.getTime() + 3_600_000);
  });

  it('jitterFor scales a fraction of the smaller bound', () => {
    expect(jitterFor(0.5, 60_000, 5_000)).toBe(2_500);
    expect(jitterFor(0.5, 4_000, 5_000)).toBe(1_000);
    expect(jitterFor(0.999, Infinity, 5_000)).toBe(4_995);
    expect(jitterFor(0.5, 60_000, 0)).toBe(0);
  });

  it('gives, for any instant, the first jittered run strictly after it (property)', () => {
    const schedules = ['*/10 * * * * *', '0 */6 * * *', '@every 1h30m', '15 3 * * MON', '@hourly'].map((v) =>
      parseSchedule(v, v.startsWith('@every') ? undefined : 'Europe/Paris'),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2030, 0, 1) }),
        fc.constantFrom(...schedules),
        fc.string({ minLength: 1, maxLength: 20 }),
        fc.integer({ min: 0, max: 60_000 }),
        (now, schedule, key, maxJitter) => {
          const run = nextRun(schedule, new Date(now), key, maxJitter).getTime();
          expect(run).toBeGreaterThan(now);
          // Nothing is skipped between `now` and `run`: asking from just before `run` gives `run` again.
          expect(nextRun(schedule, new Date(run - 1), key, maxJitter).getTime()).toBe(run);
          // And the run after is strictly later.
          expect(nextRun(schedule, new Date(run), key, maxJitter).getTime()).toBeGreaterThan(run);
        },
      ),
      { numRuns: 300 },
    );
  });
});
