import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MIN_INTERVAL_MS,
  ScheduleError,
  jitterFor,
  jitterFraction,
  nextRun,
  parseSchedule,
  type Schedule,
} from './schedule.js';

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

describe('parseSchedule: invalid schedules', () => {
  it.each([
    ['', undefined, 'value', /empty.*5 fields/],
    ['   ', undefined, 'value', /empty/],
    ['0 */6 * *', undefined, 'value', /has 4 field\(s\); write 5 fields \(minute hour/],
    ['* * * * * * *', undefined, 'value', /has 7 field\(s\)/],
    [
      '61 * * * *',
      undefined,
      'value',
      /the minute field "61" is not valid: got 61, expected a value in 0-59/,
    ],
    ['0 25 * * *', undefined, 'value', /the hour field "25"/],
    ['0 0 0 * *', undefined, 'value', /the day-of-month field "0"/],
    ['0 0 * 13 *', undefined, 'value', /the month field "13"/],
    ['0 0 * * SUNDAY', undefined, 'value', /the day-of-week field "SUNDAY".*unknown name/],
    ['*/0 * * * *', undefined, 'value', /the minute field "\*\/0"/],
    ['5-1 * * * *', undefined, 'value', /the minute field "5-1".*Invalid range/],
    ['0 0 31 2 *', undefined, 'value', /never occurs in the chosen month/],
    ['@reboot', undefined, 'value', /unknown schedule macro "@reboot": use one of @yearly/],
    ['@every', undefined, 'value', /needs a duration, e.g. @every 10m/],
    ['@every 5s', undefined, 'value', /shorter than the minimum interval of 10s/],
    ['@every 400d', undefined, 'value', /longer than the maximum of 366d/],
    ['@every 1.5h', undefined, 'value', /fraction/],
    ['@every 10', undefined, 'value', /no unit/],
    ['*/5 * * * * *', undefined, 'value', /runs every 5s at times; the minimum interval is 10s/],
    ['0,5 * * * * *', undefined, 'value', /runs every 5s/],
    ['0,59 * * * * *', undefined, 'value', /runs every 1s/],
    ['* * 3 * * *', undefined, 'value', /runs every 1s/],
    ['@every 10m', 'Mars/Olympus', 'timezone', /unknown time zone "Mars\/Olympus"/],
    ['0 0 * * *', 'Mars/Olympus', 'timezone', /unknown time zone "Mars\/Olympus": use an IANA name/],
    ['0 0 * * *', '+05:00', 'timezone', /unknown time zone/],
  ])('%j (tz %s) → %s error %s', (value, timezone, field, message) => {
    let error: unknown;
    try {
      parseSchedule(value, timezone);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ScheduleError);
    expect((error as ScheduleError).field).toBe(field);
    expect((error as ScheduleError).message).toMatch(message);
  });

  it('accepts a valid time zone on @every and ignores it', () => {
    const plain = parseSchedule('@every 10m');
    expect(parseSchedule('@every 10m', 'Europe/Paris')).toEqual(plain);
  });

  it('accepts the shortest allowed seconds schedule', () => {
    expect(() => parseSchedule('*/10 * * * * *')).not.toThrow();
    expect(MIN_INTERVAL_MS).toBe(10_000);
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
