import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['90m', 5_400_000],
    ['1d', 86_400_000],
    ['1d2h3m4s', 93_784_000],
    [' 2H ', 7_200_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ['', /empty/],
    ['10', /no unit.*10s/],
    ['1.5h', /fraction.*1h30m/],
    ['500ms', /unit "ms".*only d, h, m and s/],
    ['30m1h', /largest unit first/],
    ['1h1h', /repeats or misorders/],
    ['10 m', /not valid/],
    ['-5m', /not valid/],
    ['99999999999999999999d', /too large/],
  ])('%j is rejected', (text, message) => {
    expect(() => parseDuration(text)).toThrow(message);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [250, '250ms'],
    [10_000, '10s'],
    [5_400_000, '1h30m'],
    [86_400_000 + 61_000, '1d1m1s'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips whole-second durations', () => {
    for (const ms of [1_000, 59_000, 3_600_000, 93_784_000])
      expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});
