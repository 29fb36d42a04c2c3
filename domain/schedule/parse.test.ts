import { describe, expect, it } from 'vitest';
import { MIN_INTERVAL_MS, ScheduleError, parseSchedule } from './parse.js';

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
