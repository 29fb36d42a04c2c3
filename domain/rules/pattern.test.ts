import { describe, expect, it } from 'vitest';
import { RuleError } from './errors.js';
import { compilePattern, MatchBudget, MAX_TAG_LENGTH } from './pattern.js';
import { resolve } from './resolve.js';

function ruleError(fn: () => unknown): RuleError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RuleError) return err;
    throw err;
  }
  throw new Error('expected a RuleError');
}

describe('compilePattern', () => {
  it('names the version group in both spellings', () => {
    for (const source of ['^v(?P<version>\\d+)$', '^v(?<version>\\d+)$']) {
      const p = compilePattern('spec.rules[0].value', source, true);
      expect(p.groups.has('version')).toBe(true);
      expect(p.match('v42')).toEqual({ version: '42' });
      expect(p.match('xv42')).toBeUndefined();
    }
  });

  it.each([
    ['backreference', '(a)\\1', /invalid escape sequence/],
    ['lookahead', 'a(?=b)', /unsupported Perl syntax/],
    ['negative lookahead', '^(?!v)', /unsupported Perl syntax/],
    ['lookbehind', '(?<=v)1', /invalid named capture/],
    ['possessive', 'a*+', /invalid nested repetition/],
    ['unterminated group', '(', /missing closing \)/],
  ])('rejects a %s with the field and the RE2 hint', (_name, source, reason) => {
    const err = ruleError(() => compilePattern('spec.tagFilter.exclude[2]', source, false));
    expect(err.field).toBe('spec.tagFilter.exclude[2]');
    expect(err.detail).toMatch(reason);
    expect(err.detail).toMatch(/RE2 syntax: no backreferences or lookaround; see docs\/rules\.md$/);
  });

  it('rejects a pattern whose program is larger than the limit', () => {
    const err = ruleError(() => compilePattern('spec.rules[1].value', '(.?){600}', true));
    expect(err.field).toBe('spec.rules[1].value');
    expect(err.detail).toMatch(/compiles to \d+ RE2 instructions, more than the 1000 allowed/);
    expect(() => compilePattern('f', '[0-9a-f]{7,40}', true)).not.toThrow();
  });

  it('keeps a source that would escape the anchoring group anchored', () => {
    // `a)|(b` does not compile on its own, so it cannot become `^(?:a)|(b)$`.
    expect(() => compilePattern('f', 'a)|(b', true)).toThrow(RuleError);
    const p = compilePattern('f', 'a|b', true);
    expect(p.test('a')).toBe(true);
    expect(p.test('ab')).toBe(false);
  });

  it('runs the catastrophic pattern on a 34-character tag in linear time', () => {
    const p = compilePattern('f', '^(a+)+$', true);
    const started = performance.now();
    expect(p.test(`${'a'.repeat(33)}_`)).toBe(false);
    expect(p.test('a'.repeat(34))).toBe(true);
    // Generous: V8's backtracking engine takes minutes here; RE2 takes microseconds.
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('never matches a tag longer than an OCI tag can be', () => {
    const p = compilePattern('f', '.*', false);
    expect(p.test('a'.repeat(MAX_TAG_LENGTH))).toBe(true);
    expect(p.test('a'.repeat(MAX_TAG_LENGTH + 1))).toBe(false);
  });
});

describe('MatchBudget', () => {
  it('stops a decision once matching has taken longer than the budget, naming the field', () => {
    let now = 0;
    const budget = new MatchBudget(250, () => now);
    const p = compilePattern('spec.tagFilter.include', '[0-9a-f]{7,40}', false);
    // Within budget: matches run.
    for (let i = 0; i < 1_000; i++) p.test(`tag-${i}`, budget);
    now = 251;
    const err = ruleError(() => {
      for (let i = 0; i < 1_000; i++) p.test(`tag-${i}`, budget);
    });
    expect(err.field).toBe('spec.tagFilter.include');
    expect(err.detail).toMatch(/took more than 250 ms for this tag list \(\d+ matches/);
  });

  it('is shared by the filter and the rule of one resolve', () => {
    let now = 0;
    const budget = new MatchBudget(10, () => now++);
    const tags = Array.from({ length: 5_000 }, (_, i) => `v${i}`);
    const err = ruleError(() =>
      resolve({
        rule: { type: 'regex', value: '^v(?P<version>\\d+)$' },
        current: 'v1',
        tags,
        filter: { include: 'v' },
        budget,
        path: 'spec.rules[0]',
        filterPath: 'spec.tagFilter',
      }),
    );
    expect(err.field).toMatch(/^spec\.(tagFilter\.include|rules\[0\]\.value)$/);
  });
});

describe('regex rule on RE2', () => {
  it('orders by the version group written the Go way', () => {
    const d = resolve({
      rule: { type: 'regex', value: '^main-(?P<version>\\d+)$' },
      current: 'main-9',
      tags: ['main-9', 'main-10', 'main-2', 'feature-99'],
    });
    expect(d).toMatchObject({ kind: 'change', tag: 'main-10' });
  });

  it('decides correctly with the catastrophic pattern and a 34-character tag', () => {
    const d = resolve({
      rule: { type: 'regex', value: '^(a+)+$' },
      current: 'a',
      tags: ['a', 'aa', `${'a'.repeat(33)}_`],
      filter: { exclude: ['^(a+)+$_'] },
    });
    expect(d).toMatchObject({ kind: 'change', tag: 'aa' });
  });
});
