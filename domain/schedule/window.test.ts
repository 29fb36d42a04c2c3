import { describe, expect, it } from 'vitest';
import { parseWindows, validateUpdateWindows, windowState, type WindowLike } from './window.js';

const at = (iso: string) => new Date(iso);
const state = (windows: WindowLike[], now: string) => windowState(parseWindows(windows), at(now));

describe('windowState', () => {
  it.each<[string, WindowLike[], string, { open: boolean; at: string | undefined }]>([
    // Plain daily window 22:00–23:00 UTC.
    [
      'before',
      [{ schedule: '0 22 * * *', duration: '1h' }],
      '2026-11-28T21:59:59Z',
      { open: false, at: '2026-11-28T22:00:00.000Z' },
    ],
    [
      'at the start',
      [{ schedule: '0 22 * * *', duration: '1h' }],
      '2026-11-28T22:00:00Z',
      { open: true, at: '2026-11-28T23:00:00.000Z' },
    ],
    [
      'inside',
      [{ schedule: '0 22 * * *', duration: '1h' }],
      '2026-11-28T22:59:59Z',
      { open: true, at: '2026-11-28T23:00:00.000Z' },
    ],
    [
      'at the end (closed)',
      [{ schedule: '0 22 * * *', duration: '1h' }],
      '2026-11-28T23:00:00Z',
      { open: false, at: '2026-11-29T22:00:00.000Z' },
    ],
    // Spanning midnight: 22:00 + 4h is open at 01:30 the next day.
    [
      'across midnight',
      [{ schedule: '0 22 * * *', duration: '4h' }],
      '2026-11-29T01:30:00Z',
      { open: true, at: '2026-11-29T02:00:00.000Z' },
    ],
    [
      'after a midnight window',
      [{ schedule: '0 22 * * *', duration: '4h' }],
      '2026-11-29T02:00:00Z',
      { open: false, at: '2026-11-29T22:00:00.000Z' },
    ],
    // Weekdays only, Friday night across midnight into Saturday; Saturday evening waits for Monday.
    [
      'Friday night into Saturday',
      [{ schedule: '0 23 * * 1-5', duration: '3h' }],
      '2026-11-28T01:00:00Z',
      { open: true, at: '2026-11-28T02:00:00.000Z' },
    ],
    [
      'weekend waits for Monday',
      [{ schedule: '0 23 * * 1-5', duration: '3h' }],
      '2026-11-28T12:00:00Z',
      { open: false, at: '2026-11-30T23:00:00.000Z' },
    ],
    // Time zones: 02:00 Europe/Paris is 01:00 UTC in winter.
    [
      'in a time zone',
      [{ schedule: '0 2 * * *', duration: '1h', timezone: 'Europe/Paris' }],
      '2026-11-28T01:30:00Z',
      { open: true, at: '2026-11-28T02:00:00.000Z' },
    ],
    [
      'before, in a time zone',
      [{ schedule: '0 2 * * *', duration: '1h', timezone: 'Europe/Paris' }],
      '2026-11-28T00:30:00Z',
      { open: false, at: '2026-11-28T01:00:00.000Z' },
    ],
    // DST forward (Europe/Berlin 2026-03-29 02:00 → 03:00): 02:30 does not exist; it opens at 03:30 CEST.
    [
      'DST forward: the missing start moves an hour',
      [{ schedule: '30 2 * * *', duration: '1h', timezone: 'Europe/Berlin' }],
      '2026-03-29T01:00:00Z',
      { open: false, at: '2026-03-29T01:30:00.000Z' },
    ],
    [
      'DST forward: open after the moved start',
      [{ schedule: '30 2 * * *', duration: '1h', timezone: 'Europe/Berlin' }],
      '2026-03-29T02:00:00Z',
      { open: true, at: '2026-03-29T02:30:00.000Z' },
    ],
    [
      'DST forward: the day after is back at 02:30 CEST',
      [{ schedule: '30 2 * * *', duration: '1h', timezone: 'Europe/Berlin' }],
      '2026-03-29T12:00:00Z',
      { open: false, at: '2026-03-30T00:30:00.000Z' },
    ],
    // DST back (2026-10-25 03:00 CEST → 02:00 CET): a 01:00 start with 2h closes after two elapsed hours,
    // at 02:00 CET by the wall clock. 02:30 happens twice: cron-parser starts the window at both.
    [
      'DST back: elapsed duration',
      [{ schedule: '0 1 * * *', duration: '2h', timezone: 'Europe/Berlin' }],
      '2026-10-25T00:59:00Z',
      { open: true, at: '2026-10-25T01:00:00.000Z' },
    ],
    [
      'DST back: closed at 02:00 CET',
      [{ schedule: '0 1 * * *', duration: '2h', timezone: 'Europe/Berlin' }],
      '2026-10-25T01:00:00Z',
      { open: false, at: '2026-10-26T00:00:00.000Z' },
    ],
    // 02:30 happens twice that night: cron-parser starts the window at both.
    [
      'DST back: first 02:30 (CEST)',
      [{ schedule: '30 2 * * *', duration: '30m', timezone: 'Europe/Berlin' }],
      '2026-10-25T00:45:00Z',
      { open: true, at: '2026-10-25T01:00:00.000Z' },
    ],
    [
      'DST back: between the two',
      [{ schedule: '30 2 * * *', duration: '30m', timezone: 'Europe/Berlin' }],
      '2026-10-25T01:15:00Z',
      { open: false, at: '2026-10-25T01:30:00.000Z' },
    ],
    [
      'DST back: second 02:30 (CET)',
      [{ schedule: '30 2 * * *', duration: '30m', timezone: 'Europe/Berlin' }],
      '2026-10-25T01:45:00Z',
      { open: true, at: '2026-10-25T02:00:00.000Z' },
    ],
    // US DST forward (2026-03-08): 22:00 New York moves from 03:00 UTC to 02:00 UTC.
    [
      'US: EST start',
      [{ schedule: '0 22 * * *', duration: '1h', timezone: 'America/New_York' }],
      '2026-03-07T03:30:00Z',
      { open: true, at: '2026-03-07T04:00:00.000Z' },
    ],
    [
      'US: EDT start',
      [{ schedule: '0 22 * * *', duration: '1h', timezone: 'America/New_York' }],
      '2026-03-09T02:30:00Z',
      { open: true, at: '2026-03-09T03:00:00.000Z' },
    ],
    // Several windows: open when any is; otherwise the earliest next opening.
    [
      'two windows, second open',
      [
        { schedule: '0 22 * * *', duration: '1h' },
        { schedule: '0 12 * * *', duration: '30m' },
      ],
      '2026-11-28T12:10:00Z',
      { open: true, at: '2026-11-28T12:30:00.000Z' },
    ],
    [
      'two windows, earliest next',
      [
        { schedule: '0 22 * * *', duration: '1h' },
        { schedule: '0 12 * * *', duration: '30m' },
      ],
      '2026-11-28T13:00:00Z',
      { open: false, at: '2026-11-28T22:00:00.000Z' },
    ],
    // Overlapping starts (hourly, 2h long): the latest start decides when it closes.
    [
      'overlapping periods',
      [{ schedule: '0 * * * *', duration: '2h' }],
      '2026-11-28T10:30:00Z',
      { open: true, at: '2026-11-28T12:00:00.000Z' },
    ],
    // A schedule that never comes again.
    [
      'never again',
      [{ schedule: '0 0 1 1 * ', duration: '1h' }],
      '2026-11-28T10:30:00Z',
      { open: false, at: '2027-01-01T00:00:00.000Z' },
    ],
  ])('%s', (_name, windows, now, expected) => {
    const s = state(windows, now);
    expect(s.open).toBe(expected.open);
    expect((s.open ? s.closesAt : s.opensAt)?.toISOString()).toBe(expected.at);
  });

  it('no windows: never open, nothing to wait for (callers treat "no windows" as always)', () => {
    expect(windowState([], at('2026-11-28T10:00:00Z'))).toEqual({ open: false, opensAt: undefined });
  });
});

describe('validateUpdateWindows', () => {
  it.each<[WindowLike, RegExp | undefined, string | undefined]>([
    [{ schedule: '0 22 * * 1-5', duration: '2h', timezone: 'Europe/Paris' }, undefined, undefined],
    [{ schedule: '@daily', duration: '30m' }, undefined, undefined],
    [{ schedule: '0 22 * *', duration: '2h' }, /has 4 field/, 'spec.updateWindows[1].schedule'],
    [
      { schedule: '0 22 * * *', duration: '2h', timezone: 'Europe/Pariss' },
      /unknown time zone "Europe\/Pariss"/,
      'spec.updateWindows[1].timezone',
    ],
    [
      { schedule: '@every 1h', duration: '10m' },
      /calendar times.*@every 1h/,
      'spec.updateWindows[1].schedule',
    ],
    [{ schedule: 'H 22 * * *', duration: '10m' }, /hashed/, 'spec.updateWindows[1].schedule'],
    [{ schedule: '0 22 * * *', duration: '1.5h' }, /fraction/, 'spec.updateWindows[1].duration'],
    [
      { schedule: '0 22 * * *', duration: '0s' },
      /more than 0s and at most 31d/,
      'spec.updateWindows[1].duration',
    ],
    [{ schedule: '0 22 * * *', duration: '32d' }, /at most 31d/, 'spec.updateWindows[1].duration'],
  ])('%j', (window, message, field) => {
    const errors = validateUpdateWindows([{ schedule: '@daily', duration: '1h' }, window]);
    if (message === undefined) {
      expect(errors).toEqual([]);
      return;
    }
    expect(errors).toHaveLength(1);
    expect(errors[0]?.field).toBe(field);
    expect(errors[0]?.message).toMatch(message);
  });
});
