import { describe, expect, it } from 'vitest';
import { FIRST_SEEN_LIMIT, buildTime, pruneSeen, tagAge } from './tag-age.js';

const now = new Date('2026-11-28T10:00:00Z');
const HOUR = 3_600_000;

describe('buildTime', () => {
  it.each([
    [undefined, undefined],
    ['not a time', undefined],
    // Reproducible builds: not a build time.
    ['1970-01-01T00:00:00Z', undefined],
    ['0001-01-01T00:00:00Z', undefined],
    ['2026-11-28T09:00:00Z', Date.parse('2026-11-28T09:00:00Z')],
  ])('%s → %s', (created, expected) => {
    expect(buildTime(created)).toBe(expected);
  });
});

describe('tagAge', () => {
  it('counts from the build time when the config has one, and remembers nothing', () => {
    const { age, seen } = tagAge({
      tag: '1.3.0',
      created: '2026-11-28T09:30:00Z',
      seen: [],
      minAgeMs: HOUR,
      now,
    });
    expect(age).toEqual({
      source: 'built',
      since: Date.parse('2026-11-28T09:30:00Z'),
      eligibleAt: Date.parse('2026-11-28T10:30:00Z'),
    });
    expect(seen).toEqual([]);
  });

  it('counts from first sight when the build time is unknown, and records that sight', () => {
    const first = tagAge({ tag: '1.3.0', created: '1970-01-01T00:00:00Z', seen: [], minAgeMs: HOUR, now });
    expect(first.age).toEqual({
      source: 'first seen',
      since: now.getTime(),
      eligibleAt: now.getTime() + HOUR,
    });
    expect(first.seen).toEqual([{ tag: '1.3.0', time: '2026-11-28T10:00:00Z' }]);
    // Later (and after a restart, from status.firstSeen): the same first sight.
    const later = tagAge({
      tag: '1.3.0',
      created: undefined,
      seen: first.seen,
      minAgeMs: HOUR,
      now: new Date(now.getTime() + 2 * HOUR),
    });
    expect(later.age.eligibleAt).toBe(now.getTime() + HOUR);
    expect(later.seen).toEqual(first.seen);
  });

  it('a new digest behind a tag (digest rule) is a new sight', () => {
    const seen = [{ tag: 'latest', digest: 'sha256:' + 'a'.repeat(64), time: '2026-11-20T00:00:00Z' }];
    const next = tagAge({
      tag: 'latest',
      digest: 'sha256:' + 'b'.repeat(64),
      created: undefined,
      seen,
      minAgeMs: HOUR,
      now,
    });
    expect(next.age.since).toBe(now.getTime());
    expect(next.seen).toHaveLength(2);
  });
});

describe('pruneSeen', () => {
  it('keeps listed tags the Image does not run, newest first, at most the limit', () => {
    const seen = [
      { tag: 'gone', time: '2026-11-28T09:00:00Z' },
      { tag: '1.2.0', time: '2026-11-28T08:00:00Z' },
      { tag: '1.3.0', time: '2026-11-28T09:30:00Z' },
    ];
    expect(pruneSeen(seen, ['1.2.0', '1.3.0'], { tag: '1.2.0', digest: undefined })).toEqual([
      { tag: '1.3.0', time: '2026-11-28T09:30:00Z' },
    ]);
    const many = Array.from({ length: 40 }, (_, i) => ({
      tag: `t${i}`,
      time: new Date(now.getTime() - i * 1000).toISOString(),
    }));
    const kept = pruneSeen(
      many,
      many.map((e) => e.tag),
      { tag: 'x', digest: undefined },
    );
    expect(kept).toHaveLength(FIRST_SEEN_LIMIT);
    expect(kept[0]?.tag).toBe('t0');
  });
});
