// Property-based tests: whatever the tag list, a decision never goes backwards, only picks what it was
// given and what the filters let through, is the best qualifying tag, and ignores listing order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareDecimal, compareVersion, parseDecimal } from './compare.js';
import { RuleError } from './errors.js';
import { parseTag } from './parse.js';
import type { ParsedTag } from './parse.js';
import { resolve } from './resolve.js';
import type { Decision, ResolveInput, RuleSpec, TagFilter } from './types.js';

const versionTag = fc
  .record({
    prefix: fc.constantFrom('', '', 'v'),
    nums: fc.array(fc.oneof(fc.nat(12), fc.constantFrom(2023, 2024)), { minLength: 1, maxLength: 3 }),
    pre: fc.constantFrom('', '', '', '-rc.1', '-rc.2', '-rc.10', 'rc1', '-beta1', '-alpha'),
    variant: fc.constantFrom('', '', '-alpine', '-alpine3.19', '-bookworm-slim'),
  })
  .map(({ prefix, nums, pre, variant }) => `${prefix}${nums.join('.')}${pre}${variant}`);

const otherTag = fc.constantFrom(
  'latest',
  'main',
  'stable',
  'sha-3f2c1ab',
  'a1b2c3d',
  'build-7',
  'build-12',
  '42',
  '7',
  '1.50',
  'sha256-0a1b2c3d.sig',
);

const tagArb = fc.oneof({ arbitrary: versionTag, weight: 4 }, { arbitrary: otherTag, weight: 1 });

const ruleArb: fc.Arbitrary<RuleSpec> = fc.oneof(
  fc.record({
    type: fc.constantFrom(
      'semver-major',
      'semver-minor',
      'semver-patch',
      'calver-major',
      'calver-minor',
      'calver-patch',
    ),
    allowPrerelease: fc.boolean(),
  }),
  fc.record({
    type: fc.constant('semver-range'),
    value: fc.constantFrom('^1', '>=1.2 <3', '~2.1.0', '*', '>=2024'),
    allowPrerelease: fc.boolean(),
  }),
  fc.record({
    type: fc.constant('regex'),
    value: fc.constantFrom(
      'v?\\d+\\.\\d+(\\.\\d+)?',
      'build-(?<version>\\d+)',
      '(?<version>\\d+\\.\\d+\\.\\d+.*)-alpine',
    ),
  }),
  fc.record({
    type: fc.constantFrom('alphabetical', 'numerical'),
    value: fc.constantFrom('', 'asc', 'desc'),
  }),
  fc.record({ type: fc.constantFrom('always', 'digest') }),
);

const filterArb: fc.Arbitrary<TagFilter | undefined> = fc.option(
  fc.record({
    include: fc.constantFrom('', '^v', '\\d$', 'alpine', '^\\d'),
    exclude: fc.subarray(['rc', '^1\\.', 'bookworm', '^latest$']),
  }),
);

const inputArb = fc
  .record({
    rule: ruleArb,
    tags: fc.array(tagArb, { maxLength: 40 }),
    currentFromTags: fc.nat(),
    otherCurrent: tagArb,
    useOther: fc.boolean(),
    filter: filterArb,
    digestState: fc.constantFrom('unknown', 'same', 'different'),
  })
  .map(({ rule, tags, currentFromTags, otherCurrent, useOther, filter, digestState }): ResolveInput => {
    const current = useOther || tags.length === 0 ? otherCurrent : tags[currentFromTags % tags.length]!;
    const digests = Object.fromEntries([...tags, current].map((t) => [t, `sha256:${t}`]));
    const currentDigest =
      digestState === 'unknown' ? undefined : digestState === 'same' ? `sha256:${current}` : 'sha256:old';
    return { rule, tags, current, filter, digests, currentDigest };
  });

/** Resolve, or undefined for the one kind of bad input these generators make: a version rule on a non-version. */
function attempt(input: ResolveInput): Decision | undefined {
  try {
    return resolve(input);
  } catch (err) {
    expect(err).toBeInstanceOf(RuleError);
    expect((err as RuleError).field).toBe('current');
    expect(input.rule.type).toMatch(/^(semver|calver)-/);
    return undefined;
  }
}

function passesFilter(tag: string, filter: TagFilter | undefined): boolean {
  if (filter?.include && !new RegExp(filter.include).test(tag)) return false;
  return !(filter?.exclude ?? []).some((e) => e !== '' && new RegExp(e).test(tag));
}

function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const RUNS = { numRuns: 400 };

describe('resolve properties', () => {
  it('the chosen tag is in the input and passes the filters', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const d = attempt(input);
        if (d?.kind !== 'change') return;
        expect(input.tags).toContain(d.tag);
        expect(passesFilter(d.tag, input.filter)).toBe(true);
      }),
      RUNS,
    );
  });

  it('the chosen tag is never lower than the current one', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const d = attempt(input);
        if (d?.kind !== 'change') return;
        const { type, value } = input.rule;
        const chosen = d.tag;
        const cur = parseTag(input.current);
        if (type.startsWith('semver-') || type.startsWith('calver-')) {
          const c = parseTag(chosen);
          expect(c).toBeDefined();
          expect(compareVersion(c!, cur!)).toBeGreaterThan(0);
          // Shape defaults hold for every version rule.
          expect([c!.prefix, c!.nums.length, c!.variant]).toEqual([
            cur!.prefix,
            cur!.nums.length,
            cur!.variant,
          ]);
          if (!input.rule.allowPrerelease && cur!.pre === '') expect(c!.pre).toBe('');
        } else if (type === 'digest') {
          expect(chosen).toBe(input.current);
          expect(d.digest).not.toBe(input.currentDigest);
        } else if (type === 'alphabetical') {
          if (value === 'desc') expect(chosen < input.current).toBe(true);
          else expect(chosen > input.current).toBe(true);
        } else if (type === 'numerical') {
          const c = parseDecimal(chosen);
          const k = parseDecimal(input.current);
          expect(c).toBeDefined();
          if (k) expect(compareDecimal(c!, k) * (value === 'desc' ? -1 : 1)).toBeGreaterThan(0);
        } else if (type === 'always') {
          if (cur) expect(compareVersion(parseTag(chosen)!, cur)).toBeGreaterThanOrEqual(0);
        } else if (type === 'regex') {
          const re = new RegExp(`^(?:${value})$`);
          expect(re.test(chosen)).toBe(true);
          const group = (t: string) => re.exec(t)?.groups?.['version'] ?? t;
          const a = parseTag(group(chosen));
          const b = re.test(input.current) ? parseTag(group(input.current)) : undefined;
          if (a && b) expect(compareVersion(a, b)).toBeGreaterThanOrEqual(0);
        }
      }),
      RUNS,
    );
  });

  it('the decision does not depend on listing order or duplicates', () => {
    fc.assert(
      fc.property(inputArb, fc.integer(), (input, seed) => {
        const d = attempt(input);
        const shuffled = shuffle([...input.tags, ...input.tags.slice(0, 3)], seed);
        const again = attempt({ ...input, tags: shuffled });
        expect(again).toEqual(d);
        expect(attempt({ ...input, tags: [...input.tags].reverse() })).toEqual(d);
      }),
      RUNS,
    );
  });

  it('removing a tag other than the winner keeps the winner', () => {
    fc.assert(
      fc.property(inputArb, fc.nat(), (input, n) => {
        const d = attempt(input);
        if (!d || input.tags.length === 0) return;
        const victim = input.tags[n % input.tags.length]!;
        if (d.kind === 'change' && victim === d.tag) return;
        const fewer = attempt({ ...input, tags: input.tags.filter((t) => t !== victim) });
        expect(fewer?.kind).toBe(d.kind);
        if (d.kind === 'change' && fewer?.kind === 'change') expect(fewer.tag).toBe(d.tag);
      }),
      RUNS,
    );
  });

  // An independent, brute-force statement of docs/rules.md for the plain semver rules.
  it('semver-major/minor/patch pick the best qualifying tag, and only say "none" when none qualifies', () => {
    // Four written digits in the first number, 1970-2999 (read from the tag text, not from the parser).
    const yearLike = (t: ParsedTag) =>
      /^[vV]?\d{4}(\D|$)/.test(t.tag) && t.nums[0]! >= 1970 && t.nums[0]! <= 2999;
    const semverInput = inputArb.filter((i) =>
      ['semver-major', 'semver-minor', 'semver-patch'].includes(i.rule.type),
    );
    fc.assert(
      fc.property(semverInput, (input) => {
        const d = attempt(input);
        if (!d) return;
        const cur = parseTag(input.current)!;
        const pre = input.rule.allowPrerelease === true || cur.pre !== '';
        const qualifies = (tag: string) => {
          const t = parseTag(tag);
          if (!t || !passesFilter(tag, input.filter)) return false;
          if (t.prefix !== cur.prefix || t.nums.length !== cur.nums.length || t.variant !== cur.variant)
            return false;
          if (!pre && t.pre !== '') return false;
          if (input.rule.type === 'semver-major' && !yearLike(cur) && yearLike(t)) return false;
          if (input.rule.type !== 'semver-major' && t.nums[0] !== cur.nums[0]) return false;
          if (input.rule.type === 'semver-patch' && cur.nums.length > 1 && t.nums[1] !== cur.nums[1])
            return false;
          return compareVersion(t, cur) > 0;
        };
        const qualified = input.tags.filter(qualifies);
        if (d.kind === 'none') {
          expect(qualified).toEqual([]);
          return;
        }
        expect(qualifies(d.tag)).toBe(true);
        const w = parseTag(d.tag)!;
        for (const t of qualified) expect(compareVersion(parseTag(t)!, w)).toBeLessThanOrEqual(0);
      }),
      RUNS,
    );
  });
});
