import { describe, expect, it } from 'vitest';
import { resolve } from './resolve.js';
import type { RuleSpec, TagFilter } from './types.js';

function pick(rule: RuleSpec, current: string, tags: string[], filter?: TagFilter): string | undefined {
  const d = resolve({ rule, current, tags, filter });
  return d.kind === 'change' ? d.tag : undefined;
}

describe('regex', () => {
  const build: RuleSpec = { type: 'regex', value: 'main-(?<version>\\d+)' };
  it.each([
    ['orders by the version group', build, 'main-9', ['main-9', 'main-10', 'main-2', 'pr-99'], 'main-10'],
    ['must match the whole tag', build, 'main-9', ['main-10-debug', 'xmain-11'], undefined],
    ['no change when current is the highest match', build, 'main-10', ['main-9', 'main-10'], undefined],
    [
      'a current tag outside the pattern takes the highest match',
      build,
      'latest',
      ['main-3', 'main-12'],
      'main-12',
    ],
    [
      'without a group: version-aware natural order of the whole tag',
      { type: 'regex', value: 'v\\d+\\.\\d+\\.\\d+(-rc\\.\\d+)?' },
      'v1.9.0',
      ['v1.10.0-rc.1', 'v1.10.0', 'v1.9.9', 'latest'],
      'v1.10.0',
    ],
    [
      'group with a semver version',
      { type: 'regex', value: 'release-(?<version>\\d+\\.\\d+\\.\\d+)' },
      'release-1.9.0',
      ['release-1.10.0', 'release-1.9.5'],
      'release-1.10.0',
    ],
    [
      'equal group: the whole tag breaks the tie (bitnami revisions)',
      { type: 'regex', value: '(?<version>\\d+\\.\\d+\\.\\d+)-debian-12-r\\d+' },
      '1.25.3-debian-12-r5',
      ['1.25.3-debian-12-r6', '1.25.3-debian-12-r10', '1.25.2-debian-12-r40'],
      '1.25.3-debian-12-r10',
    ],
    [
      'no shape or pre-release defaults: the pattern decides',
      { type: 'regex', value: '\\d+\\.\\d+\\.\\d+.*' },
      '1.0.0',
      ['1.1.0-rc.1', '1.0.5-alpine'],
      '1.1.0-rc.1',
    ],
    [
      'text groups use natural order',
      { type: 'regex', value: 'nightly-(?<version>[a-z]+-\\d+)' },
      'nightly-build-9',
      ['nightly-build-10', 'nightly-build-8'],
      'nightly-build-10',
    ],
  ])('%s', (_name, rule, current, tags, want) => {
    expect(pick(rule, current, tags)).toBe(want);
  });

  it('applies tagFilter before the pattern', () => {
    expect(pick(build, 'main-1', ['main-2', 'main-3'], { exclude: ['3$'] })).toBe('main-2');
  });
});

describe('alphabetical', () => {
  it.each([
    ['asc picks the highest', { type: 'alphabetical' }, 'a', ['b', 'c', 'a'], 'c'],
    ['explicit asc', { type: 'alphabetical', value: 'asc' }, 'a', ['b', 'c'], 'c'],
    ['text order, not numbers', { type: 'alphabetical' }, 'build-1', ['build-10', 'build-9'], 'build-9'],
    ['desc picks the lowest', { type: 'alphabetical', value: 'desc' }, 'm', ['b', 'z', 'a'], 'a'],
    ['DESC is accepted', { type: 'alphabetical', value: 'DESC' }, 'm', ['b'], 'b'],
    ['no change when current is highest', { type: 'alphabetical' }, 'z', ['a', 'y', 'z'], undefined],
    ['desc never goes up', { type: 'alphabetical', value: 'desc' }, 'b', ['c', 'z'], undefined],
    // Sortable timestamps are the reason people use it.
    [
      'timestamps',
      { type: 'alphabetical' },
      'main-2024-01-15T10-00',
      ['main-2024-01-15T09-00', 'main-2024-02-01T08-00'],
      'main-2024-02-01T08-00',
    ],
  ])('%s', (_name, rule, current, tags, want) => {
    expect(pick(rule as RuleSpec, current, tags)).toBe(want);
  });
});

describe('numerical', () => {
  it.each([
    ['highest number', { type: 'numerical' }, '9', ['10', '9', '100', 'latest'], '100'],
    ['numbers, not versions: 1.9 > 1.10', { type: 'numerical' }, '1.05', ['1.10', '1.9'], '1.9'],
    ['desc picks the lowest', { type: 'numerical', value: 'desc' }, '50', ['10', '5', '70'], '5'],
    ['no change when current is highest', { type: 'numerical' }, '100', ['10', '99'], undefined],
    [
      'the same number spelled differently is not newer',
      { type: 'numerical' },
      '1',
      ['1.0', '01'],
      undefined,
    ],
    [
      'long timestamps stay exact',
      { type: 'numerical' },
      '20240115093000',
      ['20240115093001', '20240115092959'],
      '20240115093001',
    ],
    [
      'current outside the domain takes the highest number',
      { type: 'numerical' },
      'latest',
      ['3', '12'],
      '12',
    ],
    ['non-numbers are ignored', { type: 'numerical' }, '1', ['v2', '2a', '1.2.3', 'sha-1234567'], undefined],
  ])('%s', (_name, rule, current, tags, want) => {
    expect(pick(rule as RuleSpec, current, tags)).toBe(want);
  });
});

describe('always', () => {
  const always: RuleSpec = { type: 'always' };
  it.each([
    ['newest by version order', 'v1.9.0', ['v1.10.0', 'v1.9.5'], 'v1.10.0'],
    ['any shape, any pre-release', '1.0.0', ['2.0.0-rc.1-alpine', '1.5'], '2.0.0-rc.1-alpine'],
    ['versions rank above other tags', 'latest', ['latest', 'zzz', '0.0.1'], '0.0.1'],
    ['other tags in natural order when there is no version', 'build-9', ['build-10', 'build-2'], 'build-10'],
    ['no change when current is newest', '2.0.0', ['1.0.0', 'latest'], undefined],
  ])('%s', (_name, current, tags, want) => {
    expect(pick(always, current, tags)).toBe(want);
  });

  it('still applies tagFilter', () => {
    expect(pick(always, '1.0.0', ['2.0.0', '1.5.0'], { include: '^1\\.' })).toBe('1.5.0');
  });
});
