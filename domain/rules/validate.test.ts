import { describe, expect, it } from 'vitest';
import { RuleError } from './errors.js';
import { resolve } from './resolve.js';
import { ruleTypes } from './types.js';
import type { RuleSpec } from './types.js';
import { isRuleType, validateRule, validateTagFilter } from './validate.js';

function errorOf(fn: () => unknown): RuleError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RuleError) return err;
    throw err;
  }
  throw new Error('expected a RuleError');
}

describe('validateRule', () => {
  it.each<[string, RuleSpec, string]>([
    [
      'unknown type',
      { type: 'semver' },
      'spec.rules[0].type: unknown rule type "semver"; use one of semver-major',
    ],
    [
      'invalid regex',
      { type: 'regex', value: '(' },
      'spec.rules[0].value: invalid regular expression "(": missing closing ): `(`',
    ],
    ['missing regex', { type: 'regex' }, 'spec.rules[0].value: regex needs a regular expression'],
    ['blank regex', { type: 'regex', value: '  ' }, 'spec.rules[0].value: regex needs a regular expression'],
    [
      'missing range',
      { type: 'semver-range', value: '' },
      'spec.rules[0].value: semver-range needs a semver range',
    ],
    [
      'invalid range',
      { type: 'semver-range', value: 'latest' },
      'spec.rules[0].value: invalid semver range "latest"',
    ],
    ['bad order', { type: 'numerical', value: 'up' }, 'spec.rules[0].value: numerical takes "asc"'],
    [
      'value on semver-minor',
      { type: 'semver-minor', value: '^1.4' },
      'spec.rules[0].value: semver-minor takes no value (got "^1.4"); use semver-range',
    ],
    ['value on digest', { type: 'digest', value: 'x' }, 'spec.rules[0].value: digest takes no value'],
  ])('%s', (_name, rule, message) => {
    const err = errorOf(() => validateRule(rule, 'spec.rules[0]'));
    expect(err.message.startsWith(message)).toBe(true);
    expect(err.field).toBe(message.slice(0, message.indexOf(':')));
  });

  it.each<RuleSpec>([
    { type: 'semver-minor' },
    { type: 'semver-minor', value: '' }, // the CRD example writes value: ""
    { type: 'semver-range', value: '>=1.4 <2' },
    { type: 'regex', value: '^v(?<version>.*)$' },
    { type: 'alphabetical', value: 'desc' },
    { type: 'numerical' },
    { type: 'digest' },
    { type: 'always', allowPrerelease: true },
    { name: 'named', type: 'calver-patch' },
  ])('accepts %j', (rule) => {
    expect(() => validateRule(rule)).not.toThrow();
  });

  it('defaults the path to "rule"', () => {
    expect(errorOf(() => validateRule({ type: 'x' })).field).toBe('rule.type');
  });

  it('lists every type and recognises them', () => {
    expect(ruleTypes).toHaveLength(13);
    for (const t of ruleTypes) expect(isRuleType(t)).toBe(true);
    expect(isRuleType('latest')).toBe(false);
  });
});

describe('validateTagFilter', () => {
  it('names the offending exclude entry', () => {
    const err = errorOf(() =>
      validateTagFilter({ include: '^v', exclude: ['\\.sig$', '[a-'] }, 'spec.tagFilter'),
    );
    expect(err.field).toBe('spec.tagFilter.exclude[1]');
    expect(err.message).toMatch(/^spec\.tagFilter\.exclude\[1\]: invalid regular expression "\[a-": /);
  });
  it('names the include', () => {
    expect(errorOf(() => validateTagFilter({ include: '*' })).field).toBe('tagFilter.include');
  });
  it('accepts empty filters', () => {
    expect(() => validateTagFilter(undefined)).not.toThrow();
    expect(() => validateTagFilter({ include: '', exclude: [''] })).not.toThrow();
  });
});

describe('resolve rejects bad input the same way', () => {
  it('uses the given paths', () => {
    const err = errorOf(() =>
      resolve({ rule: { type: 'regex', value: ')' }, current: 'x', tags: [], path: 'spec.rules[3]' }),
    );
    expect(err.field).toBe('spec.rules[3].value');
    const filterErr = errorOf(() =>
      resolve({
        rule: { type: 'always' },
        current: 'x',
        tags: [],
        filter: { include: '(' },
        filterPath: 'spec.tagFilter',
      }),
    );
    expect(filterErr.field).toBe('spec.tagFilter.include');
  });

  it.each(['latest', 'sha-3f2c1ab', 'main'])('refuses a version rule on current tag %s', (current) => {
    const err = errorOf(() =>
      resolve({ rule: { type: 'semver-minor' }, current, tags: ['1.0.0'], currentPath: 'status.tag' }),
    );
    expect(err.field).toBe('status.tag');
    expect(err.message).toContain(`"${current}" is not a version tag`);
  });
});
