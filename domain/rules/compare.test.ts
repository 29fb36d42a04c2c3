import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareDecimal, compareNatural, compareVersion, parseDecimal } from './compare.js';
import { parseTag } from './parse.js';

const v = (tag: string) => {
  const t = parseTag(tag);
  if (!t) throw new Error(`test tag ${tag} does not parse`);
  return t;
};

describe('compareVersion', () => {
  it.each([
    ['v1.10.0', 'v1.9.0'],
    ['1.10', '1.9'],
    ['2.0.0', '1.99.99'],
    ['1.3.0', '1.3.0-rc.1'],
    ['1.3.0-rc.10', '1.3.0-rc.9'],
    ['1.3.0-rc.1', '1.3.0-beta.5'],
    ['1.3.0-beta.1', '1.3.0-alpha.9'],
    ['1.3.0-alpha', '1.3.0-dev1'],
    ['1.3.0-rc.1', '1.3.0-rc'],
    ['17', '17rc1'],
    ['17rc1', '17beta3'],
    ['18beta1', '17'],
    ['3.13.0rc1', '3.13.0b2'],
    ['3.13.0b1', '3.13.0a3'],
  ])('%s > %s', (higher, lower) => {
    expect(compareVersion(v(higher), v(lower))).toBeGreaterThan(0);
    expect(compareVersion(v(lower), v(higher))).toBeLessThan(0);
  });

  it.each([
    ['1.01', '1.1'],
    ['1.2', '1.2.0'],
    ['17rc1', '17-rc.1'],
  ])('%s equals %s as a version', (a, b) => {
    expect(compareVersion(v(a), v(b))).toBe(0);
  });
});

describe('compareNatural', () => {
  it.each([
    ['build-10', 'build-9'],
    ['main-100', 'main-99'],
    ['b', 'a'],
    ['abc1', 'abc'],
    ['a', '1'], // text after numbers
    ['99999999999999999999', '99999999999999999998'], // longer than a double holds exactly
  ])('%s > %s', (higher, lower) => {
    expect(compareNatural(higher, lower)).toBeGreaterThan(0);
    expect(compareNatural(lower, higher)).toBeLessThan(0);
  });

  it('treats leading zeros as the same number', () => {
    expect(compareNatural('build-007', 'build-7')).toBe(0);
  });
});

describe('compareDecimal', () => {
  const d = (s: string) => {
    const x = parseDecimal(s);
    if (!x) throw new Error(`${s} is not decimal`);
    return x;
  };
  it.each([
    ['10', '9'],
    ['1.9', '1.10'], // numbers, not versions
    ['0.5', '0.45'],
    ['20240115093001', '20240115093000'],
    ['100000000000000000001', '100000000000000000000'],
  ])('%s > %s', (higher, lower) => {
    expect(compareDecimal(d(higher), d(lower))).toBeGreaterThan(0);
  });
  it.each([
    ['1', '1.0'],
    ['007', '7'],
    ['0.50', '0.5'],
  ])('%s equals %s', (a, b) => {
    expect(compareDecimal(d(a), d(b))).toBe(0);
  });
  it('rejects non-numbers', () => {
    expect(parseDecimal('1.2.3')).toBeUndefined();
    expect(parseDecimal('v1')).toBeUndefined();
    expect(parseDecimal('-1')).toBeUndefined();
  });
});

describe('compareNatural agrees with a chunk-by-chunk reference', () => {
  // The straightforward definition: cut into digit and non-digit runs, compare run by run.
  function reference(a: string, b: string): number {
    const xs = a.match(/\d+|\D+/g) ?? [];
    const ys = b.match(/\d+|\D+/g) ?? [];
    for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
      const x = xs[i]!;
      const y = ys[i]!;
      const xd = /^\d/.test(x);
      const yd = /^\d/.test(y);
      if (xd !== yd) return xd ? -1 : 1;
      if (xd) {
        const bx = BigInt(x);
        const by = BigInt(y);
        if (bx !== by) return bx < by ? -1 : 1;
      } else if (x !== y) return x < y ? -1 : 1;
    }
    return Math.sign(xs.length - ys.length);
  }
  const text = fc.stringMatching(/^[a0-9.-]{0,8}$/);
  it('same sign on random strings', () => {
    fc.assert(
      fc.property(text, text, (a, b) => {
        expect(Math.sign(compareNatural(a, b))).toBe(reference(a, b));
      }),
      { numRuns: 2000 },
    );
  });
});
