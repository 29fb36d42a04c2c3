// Table tests for the semver rules and the defaults they share (docs/rules.md, "Defaults of every version rule").
import { describe, expect, it } from 'vitest';
import { resolve } from './resolve.js';
import type { RuleSpec, TagFilter } from './types.js';

interface Row {
  name: string;
  rule: RuleSpec;
  current: string;
  tags: string[];
  filter?: TagFilter;
  /** undefined: no change. */
  want: string | undefined;
}

function pick(r: Omit<Row, 'name' | 'want'>): string | undefined {
  const d = resolve({ rule: r.rule, current: r.current, tags: r.tags, filter: r.filter });
  return d.kind === 'change' ? d.tag : undefined;
}

const major: RuleSpec = { type: 'semver-major' };
const minor: RuleSpec = { type: 'semver-minor' };
const patch: RuleSpec = { type: 'semver-patch' };
const pre = (rule: RuleSpec): RuleSpec => ({ ...rule, allowPrerelease: true });

const rows: Row[] = [
  // Order is by version, never text.
  {
    name: 'v1.10.0 over v1.9.0',
    rule: major,
    current: 'v1.9.0',
    tags: ['v1.9.0', 'v1.10.0', 'v1.8.0'],
    want: 'v1.10.0',
  },
  {
    name: 'minor: v1.10.0 over v1.9.0',
    rule: minor,
    current: 'v1.2.0',
    tags: ['v1.9.0', 'v1.10.0'],
    want: 'v1.10.0',
  },
  {
    name: 'patch: 1.9.10 over 1.9.9',
    rule: patch,
    current: '1.9.1',
    tags: ['1.9.9', '1.9.10', '1.9.1'],
    want: '1.9.10',
  },
  { name: 'two-part: 1.10 over 1.9', rule: minor, current: '1.8', tags: ['1.9', '1.10'], want: '1.10' },

  // Same suffix/variant.
  {
    name: '1.25.3-alpine -> 1.25.4-alpine, not 1.25.4',
    rule: patch,
    current: '1.25.3-alpine',
    tags: [
      '1.25.3-alpine',
      '1.25.4',
      '1.25.4-alpine',
      '1.25.4-alpine3.19',
      '1.25.4-bookworm',
      '1.25.5-alpine-perl',
    ],
    want: '1.25.4-alpine',
  },
  {
    name: 'plain 1.25.3 never moves to a variant',
    rule: patch,
    current: '1.25.3',
    tags: ['1.25.3', '1.25.4-alpine', '1.25.5-bookworm'],
    want: undefined,
  },
  {
    name: 'variants with numbers are exact: 18-alpine3.19 follows *-alpine3.19 only',
    rule: major,
    current: '18-alpine3.19',
    tags: ['18-alpine3.19', '20-alpine3.19', '22-alpine3.20', '22-alpine', '22'],
    want: '20-alpine3.19',
  },
  {
    name: 'multi-segment variant: bookworm-slim',
    rule: minor,
    current: '20.11.0-bookworm-slim',
    tags: ['20.12.0-bookworm', '20.12.0-slim', '20.12.0-bookworm-slim', '20.13.0-bullseye-slim'],
    want: '20.12.0-bookworm-slim',
  },

  // Same precision.
  {
    name: '1.4 -> 1.5, not 1.5.1',
    rule: minor,
    current: '1.4',
    tags: ['1.4', '1.5', '1.5.1', '1.4.9'],
    want: '1.5',
  },
  {
    name: '1 -> 2 with one-part tags',
    rule: major,
    current: '1',
    tags: ['1', '2', '2.0', '2.0.1'],
    want: '2',
  },
  {
    name: '1.4.0 ignores two-part 1.9',
    rule: minor,
    current: '1.4.0',
    tags: ['1.9', '1.5.0'],
    want: '1.5.0',
  },

  // Same prefix style.
  {
    name: 'v1.2.3 never moves to 1.2.4',
    rule: patch,
    current: 'v1.2.3',
    tags: ['1.2.4', 'v1.2.3'],
    want: undefined,
  },
  { name: '1.2.3 never moves to v1.2.4', rule: patch, current: '1.2.3', tags: ['v1.2.4'], want: undefined },
  {
    name: 'v1.2.3 moves to v1.2.4',
    rule: patch,
    current: 'v1.2.3',
    tags: ['1.2.9', 'v1.2.4'],
    want: 'v1.2.4',
  },

  // Pre-releases.
  {
    name: '1.3.0-rc.1 skipped from 1.2.0',
    rule: minor,
    current: '1.2.0',
    tags: ['1.2.0', '1.3.0-rc.1'],
    want: undefined,
  },
  {
    name: 'rc skipped, release taken',
    rule: major,
    current: '1.2.0',
    tags: ['1.3.0-rc.1', '1.2.5', '2.0.0-beta.1'],
    want: '1.2.5',
  },
  {
    name: 'allowPrerelease takes 1.3.0-rc.1',
    rule: pre(minor),
    current: '1.2.0',
    tags: ['1.2.0', '1.3.0-rc.1'],
    want: '1.3.0-rc.1',
  },
  {
    name: 'allowPrerelease still prefers the release',
    rule: pre(minor),
    current: '1.2.0',
    tags: ['1.3.0-rc.1', '1.3.0'],
    want: '1.3.0',
  },
  {
    name: 'current rc moves to the next rc',
    rule: minor,
    current: '1.3.0-rc.1',
    tags: ['1.3.0-rc.2', '1.3.0-rc.10'],
    want: '1.3.0-rc.10',
  },
  {
    name: 'current rc moves to the release',
    rule: patch,
    current: '1.3.0-rc.2',
    tags: ['1.3.0-rc.3', '1.3.0'],
    want: '1.3.0',
  },
  {
    name: 'glued pre-release 17rc1 skipped from 16',
    rule: major,
    current: '16',
    tags: ['17rc1', '17beta3'],
    want: undefined,
  },
  {
    name: 'beta -> rc -> release ordering',
    rule: major,
    current: '17beta1',
    tags: ['17beta3', '17rc1', '17'],
    want: '17',
  },
  {
    name: 'pre-release keeps the variant',
    rule: pre(major),
    current: '17-alpine',
    tags: ['18beta1', '18beta1-alpine'],
    want: '18beta1-alpine',
  },

  // Never downgrade; no change when current is newest.
  {
    name: 'current is newest',
    rule: major,
    current: '2.1.0',
    tags: ['1.0.0', '2.0.0', '2.1.0'],
    want: undefined,
  },
  {
    name: 'current newer than anything listed',
    rule: minor,
    current: '3.0.0',
    tags: ['1.0.0', '2.9.9'],
    want: undefined,
  },
  {
    name: 'equal version spelled differently is not newer',
    rule: minor,
    current: '1.1',
    tags: ['1.01'],
    want: undefined,
  },
  { name: 'empty list', rule: major, current: '1.0.0', tags: [], want: undefined },

  // Non-version tags are ignored.
  {
    name: 'latest and hash tags ignored',
    rule: major,
    current: '1.0.0',
    tags: ['latest', 'main', 'sha-3f2c1ab', '3f2c1ab', 'a1b2c3d', 'sha256-0123abcd.sig', '1.0.1', 'stable'],
    want: '1.0.1',
  },
  {
    name: 'only non-versions: no change',
    rule: major,
    current: '1.0.0',
    tags: ['latest', 'edge', 'nightly'],
    want: undefined,
  },

  // Bounds.
  {
    name: 'minor: patch bumps count',
    rule: minor,
    current: '1.4.2',
    tags: ['1.4.3', '2.0.0'],
    want: '1.4.3',
  },
  {
    name: 'minor: highest in the major',
    rule: minor,
    current: '1.4.2',
    tags: ['1.4.3', '1.9.0', '2.0.0'],
    want: '1.9.0',
  },
  {
    name: 'patch: stays in major.minor',
    rule: patch,
    current: '1.4.2',
    tags: ['1.4.9', '1.5.0', '2.0.0'],
    want: '1.4.9',
  },
  {
    name: 'patch on a two-part tag cannot move',
    rule: patch,
    current: '1.25',
    tags: ['1.25', '1.26', '1.25.4'],
    want: undefined,
  },
  {
    name: 'major: any major',
    rule: major,
    current: '1.4.2',
    tags: ['1.4.3', '2.0.0', '10.0.0'],
    want: '10.0.0',
  },
  {
    name: 'major: no jump to calendar-year majors',
    rule: major,
    current: '3.2.1',
    tags: ['3.3.0', '2024.1.0', '1999.12.31'],
    want: '3.3.0',
  },
  {
    name: 'major: calendar majors move among themselves',
    rule: major,
    current: '2019.1.0',
    tags: ['2024.1.0'],
    want: '2024.1.0',
  },

  // Filters come first.
  {
    name: 'exclude removes the newest',
    rule: minor,
    current: '1.24.0',
    tags: ['1.24.0', '1.25.3', '1.26.0'],
    filter: { exclude: ['^1\\.26\\.'] },
    want: '1.25.3',
  },
  {
    name: 'include keeps only matches',
    rule: major,
    current: '1.24.0',
    tags: ['1.24.0', '1.25.3', '1.26.0'],
    filter: { include: '^1\\.\\d*[02468]\\.' },
    want: '1.26.0',
  },
  {
    name: 'several excludes',
    rule: major,
    current: '1.0.0',
    tags: ['1.0.1', '1.0.2', '1.0.3'],
    filter: { exclude: ['3$', '2$'] },
    want: '1.0.1',
  },
  {
    name: 'include that removes everything',
    rule: major,
    current: '1.0.0',
    tags: ['1.0.1'],
    filter: { include: '^v' },
    want: undefined,
  },
];

const rangeRows: Row[] = [
  {
    name: 'caret range',
    rule: { type: 'semver-range', value: '^1.4' },
    current: '1.4.0',
    tags: ['1.4.1', '1.9.0', '2.0.0'],
    want: '1.9.0',
  },
  {
    name: 'tilde range',
    rule: { type: 'semver-range', value: '~1.4.0' },
    current: '1.4.0',
    tags: ['1.4.7', '1.5.0'],
    want: '1.4.7',
  },
  {
    name: 'hyphenated bounds',
    rule: { type: 'semver-range', value: '>=1.4 <1.6' },
    current: '1.4.0',
    tags: ['1.5.9', '1.6.0'],
    want: '1.5.9',
  },
  {
    name: 'range that the current tag does not satisfy moves up into it',
    rule: { type: 'semver-range', value: '^2' },
    current: '1.4.0',
    tags: ['2.0.0', '2.3.1', '3.0.0'],
    want: '2.3.1',
  },
  {
    name: 'range below the current tag: never downgrade',
    rule: { type: 'semver-range', value: '^1' },
    current: '2.0.0',
    tags: ['1.9.0'],
    want: undefined,
  },
  {
    name: 'two-part tags compare as x.y.0',
    rule: { type: 'semver-range', value: '>=1.4 <2' },
    current: '1.4',
    tags: ['1.5', '1.9', '2.0', '1.9.3'],
    want: '1.9',
  },
  {
    name: 'v prefix and variants keep their shape',
    rule: { type: 'semver-range', value: '^1' },
    current: 'v1.0.0-alpine',
    tags: ['v1.2.0-alpine', 'v1.3.0', '1.4.0-alpine'],
    want: 'v1.2.0-alpine',
  },
  {
    name: 'pre-releases excluded by default',
    rule: { type: 'semver-range', value: '>=1.0.0' },
    current: '1.0.0',
    tags: ['1.1.0-rc.1'],
    want: undefined,
  },
  {
    name: 'pre-releases with allowPrerelease, even outside the same x.y.z',
    rule: { type: 'semver-range', value: '>=1.0.0', allowPrerelease: true },
    current: '1.0.0',
    tags: ['1.1.0-rc.1'],
    want: '1.1.0-rc.1',
  },
  {
    name: 'glued pre-releases are understood by the range',
    rule: { type: 'semver-range', value: '>=17.0.0-0 <18' },
    current: '17beta1',
    tags: ['17rc1', '18beta1'],
    want: '17rc1',
  },
];

describe.each(['semver-major', 'semver-minor', 'semver-patch', 'semver-range'] as const)('%s', (type) => {
  const mine = [...rows, ...rangeRows].filter((r) => r.rule.type === type);
  it.each(mine.map((r) => [r.name, r] as const))('%s', (_name, r) => {
    expect(pick(r)).toBe(r.want);
  });
});

describe('decisions explain themselves', () => {
  it('names the filters, what they removed, and the runner-up', () => {
    const d = resolve({
      rule: { type: 'semver-patch' },
      current: '1.25.3-alpine',
      tags: [
        'latest',
        '1.25.3-alpine',
        '1.25.4',
        '1.25.4-alpine',
        '1.25.5-alpine',
        '1.26.0-alpine',
        '1.25.6-rc.1-alpine',
        '1.25.9-alpine',
      ],
      filter: { exclude: ['9'] },
    });
    expect(d.kind).toBe('change');
    expect(d.kind === 'change' && d.tag).toBe('1.25.5-alpine');
    const e = d.explanation;
    expect(e.total).toBe(8);
    const removed = Object.fromEntries(e.steps.map((s) => [s.filter, s.removed]));
    expect(removed).toEqual({
      exclude: 1,
      'not-a-version': 1,
      shape: 1,
      prerelease: 1,
      bound: 1,
      'not-newer': 1,
    });
    expect(e.steps.find((s) => s.filter === 'shape')?.examples).toEqual(['1.25.4']);
    expect(e.candidates).toBe(2);
    expect(e.top).toEqual(['1.25.5-alpine', '1.25.4-alpine']);
    expect(d.reason).toContain('next: 1.25.4-alpine');
    expect(d.reason).toContain('N.N.N-alpine');
  });

  it('says why nothing changed', () => {
    const d = resolve({ rule: { type: 'semver-minor' }, current: '1.2.0', tags: ['1.2.0', '1.3.0-rc.1'] });
    expect(d.kind).toBe('none');
    expect(d.reason).toBe('no tag is newer than "1.2.0" (with shape N.N.N, releases only, major 1)');
    expect(d.explanation.steps.find((s) => s.filter === 'prerelease')?.examples).toEqual(['1.3.0-rc.1']);
  });

  it('carries the digest of the winner when digests are given', () => {
    const d = resolve({
      rule: { type: 'semver-major' },
      current: '1.0.0',
      tags: ['1.0.0', '2.0.0'],
      digests: { '2.0.0': 'sha256:bbb', '1.0.0': 'sha256:aaa' },
    });
    expect(d).toMatchObject({ kind: 'change', tag: '2.0.0', digest: 'sha256:bbb' });
  });

  it('ignores duplicates and surrounding blanks', () => {
    const d = resolve({
      rule: { type: 'semver-major' },
      current: '1.0.0',
      tags: ['1.0.1', ' 1.0.1', '1.0.1\r', ''],
    });
    expect(d.explanation.total).toBe(1);
    expect(d).toMatchObject({ kind: 'change', tag: '1.0.1' });
  });
});
