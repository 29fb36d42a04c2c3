import { describe, expect, it } from 'vitest';
import { eventName } from './events.js';

// What the apiserver accepts as an Event name: a DNS subdomain (RFC 1123) of at most 253 characters.
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

describe('eventName', () => {
  it('gives 10,000 Events of one object in one millisecond distinct, valid names', () => {
    const names = Array.from({ length: 10_000 }, () => eventName('web', 1_764_300_000_000));
    expect(new Set(names).size).toBe(10_000);
    for (const name of names) {
      expect(name).toMatch(DNS_SUBDOMAIN);
      expect(name.startsWith('web.')).toBe(true);
    }
  });

  it('is the object name, a dot and lowercase hex starting with the time in nanoseconds', () => {
    const name = eventName('shop-api', 1_764_300_000_000);
    const nanos = (1_764_300_000_000n * 1_000_000n).toString(16);
    expect(name).toMatch(new RegExp(`^shop-api\\.${nanos}[0-9a-f]{9,}$`));
  });

  it.each([
    ['a 253-character name', 'a'.repeat(253)],
    ['a 253-character name with dots', `${'b'.repeat(60)}.`.repeat(4) + 'c'.repeat(9)],
    ['a name clipped inside a run of dashes', `g${'-'.repeat(251)}h`],
    ['a name clipped after a dot', `${'k'.repeat(223)}.${'m'.repeat(29)}`],
    ['no name', undefined],
    ['an empty name', ''],
  ])('stays a DNS subdomain of at most 253 characters for %s', (_what, objectName) => {
    for (let i = 0; i < 3; i++) {
      const name = eventName(objectName);
      expect(name.length).toBeLessThanOrEqual(253);
      expect(name).toMatch(DNS_SUBDOMAIN);
    }
    if (!objectName) expect(eventName(objectName).startsWith('object.')).toBe(true);
  });
});
