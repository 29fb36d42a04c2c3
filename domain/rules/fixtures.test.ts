// Decisions on large, realistic tag lists (test/fixtures/tags, written by hack/gen-tag-fixtures.ts from the
// tag patterns of the official node, nginx and postgres images and of a typical CI-built GHCR app).
// Expected tags come from the release tables in that script, not from running the engine.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RuleError } from './errors.js';
import { resolve } from './resolve.js';
import type { RuleSpec, TagFilter } from './types.js';

const dir = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'tags');
const load = (name: string) =>
  readFileSync(join(dir, `${name}.txt`), 'utf8')
    .split('\n')
    .filter(Boolean);
const lists = {
  node: load('node'),
  nginx: load('nginx'),
  postgres: load('postgres'),
  'ghcr-app': load('ghcr-app'),
};

type Row = [name: string, rule: RuleSpec, current: string, want: string | undefined, filter?: TagFilter];

function check(list: keyof typeof lists, rows: Row[]) {
  it.each(rows)('%s', (_name, rule, current, want, filter) => {
    const d = resolve({ rule, current, tags: lists[list], filter });
    expect(d.kind === 'change' ? d.tag : undefined).toBe(want);
  });
}

describe('fixture sizes', () => {
  it.each(Object.entries(lists))('%s has over a thousand distinct tags', (_name, tags) => {
    expect(new Set(tags).size).toBe(tags.length);
    expect(tags.length).toBeGreaterThan(1000);
  });
});

describe('node', () => {
  check('node', [
    [
      '20.11.0-alpine minor -> newest 20.x.y-alpine',
      { type: 'semver-minor' },
      '20.11.0-alpine',
      '20.19.2-alpine',
    ],
    ['20.19.0 patch -> 20.19.2', { type: 'semver-patch' }, '20.19.0', '20.19.2'],
    ['20.11.0 major -> 24.1.0', { type: 'semver-major' }, '20.11.0', '24.1.0'],
    [
      'bookworm-slim keeps its variant',
      { type: 'semver-major' },
      '20.11.0-bookworm-slim',
      '24.1.0-bookworm-slim',
    ],
    ['floating 20.11 -> 20.19', { type: 'semver-minor' }, '20.11', '20.19'],
    ['floating 20 -> 24', { type: 'semver-major' }, '20', '24'],
    ['18-alpine3.19 stays on alpine3.19', { type: 'semver-major' }, '18-alpine3.19', '19-alpine3.19'],
    ['18.20.8 is newest in 18', { type: 'semver-minor' }, '18.20.8', undefined],
    [
      'LTS lines only (even majors)',
      { type: 'semver-major' },
      '18.20.0',
      '24.1.0',
      { include: '^\\d*[02468]\\.' },
    ],
    ['range ^22', { type: 'semver-range', value: '^22' }, '20.11.0-alpine', '22.16.0-alpine'],
    [
      'windows variant',
      { type: 'semver-major' },
      '20.19.2-nanoserver-ltsc2022',
      '24.1.0-nanoserver-ltsc2022',
    ],
    ['old slim', { type: 'semver-minor' }, '8.0.0-slim', '8.17.0-slim'],
  ]);

  it('explains where 11,000 tags went', () => {
    const d = resolve({ rule: { type: 'semver-minor' }, current: '20.11.0-alpine', tags: lists.node });
    const steps = Object.fromEntries(d.explanation.steps.map((s) => [s.filter, s.removed]));
    expect(steps['not-a-version']).toBeGreaterThan(100); // lts, iron-alpine, latest, …
    expect(steps['shape']).toBeGreaterThan(9000);
    expect(d.explanation.top[1]).toBe('20.19.1-alpine');
  });

  it('refuses a version rule on the lts alias', () => {
    expect(() =>
      resolve({ rule: { type: 'semver-minor' }, current: 'lts-alpine', tags: lists.node }),
    ).toThrow(RuleError);
  });
});

describe('nginx', () => {
  check('nginx', [
    ['1.25.3-alpine patch -> 1.25.5-alpine', { type: 'semver-patch' }, '1.25.3-alpine', '1.25.5-alpine'],
    ['1.25.3-alpine minor -> 1.29.0-alpine', { type: 'semver-minor' }, '1.25.3-alpine', '1.29.0-alpine'],
    ['alpine-slim keeps its variant', { type: 'semver-minor' }, '1.25.3-alpine-slim', '1.29.0-alpine-slim'],
    [
      'alpine3.18-perl stays on its variant',
      { type: 'semver-minor' },
      '1.25.0-alpine3.18-perl',
      '1.26.3-alpine3.18-perl',
    ],
    [
      'stable only, by regex',
      { type: 'regex', value: '(?<version>1\\.\\d*[02468]\\.\\d+)' },
      '1.24.0',
      '1.28.0',
    ],
    [
      'stable only, by include filter',
      { type: 'semver-minor' },
      '1.24.0-perl',
      '1.28.0-perl',
      { include: '^1\\.\\d*[02468]\\.' },
    ],
    ['floating 1.25-alpine-perl', { type: 'semver-minor' }, '1.25-alpine-perl', '1.29-alpine-perl'],
    ['perl before 1.25 has no otel', { type: 'semver-patch' }, '1.22.0-perl', '1.22.1-perl'],
  ]);
});

describe('postgres', () => {
  check('postgres', [
    ['16.2-alpine minor -> 16.9-alpine', { type: 'semver-minor' }, '16.2-alpine', '16.9-alpine'],
    ['16.2 major -> 17.5, not 18beta1', { type: 'semver-major' }, '16.2', '17.5'],
    ['16 major -> 17, not 18beta1', { type: 'semver-major' }, '16', '17'],
    ['16 with pre-releases -> 18beta1', { type: 'semver-major', allowPrerelease: true }, '16', '18beta1'],
    [
      'current pre-release 17beta1 -> 18beta1 (pre-releases allowed)',
      { type: 'semver-major' },
      '17beta1',
      '18beta1',
    ],
    [
      'current pre-release bounded to its major -> 17',
      { type: 'semver-minor' },
      '17beta2-alpine',
      '17-alpine',
    ],
    ['9.6.20 patch -> 9.6.24', { type: 'semver-patch' }, '9.6.20', '9.6.24'],
    ['9.6.20 major stays three-part', { type: 'semver-major' }, '9.6.20', '9.6.24'],
    ['9.6 two-part major -> 17.5', { type: 'semver-major' }, '9.6', '17.5'],
    ['16-bookworm -> 17-bookworm', { type: 'semver-major' }, '16-bookworm', '17-bookworm'],
    ['16.4-alpine3.20 keeps alpine3.20', { type: 'semver-minor' }, '16.4-alpine3.20', '16.9-alpine3.20'],
    ['range <17', { type: 'semver-range', value: '<17' }, '15.0', '16.9'],
  ]);
});

describe('ghcr app', () => {
  check('ghcr-app', [
    ['v2.3.0 major -> v3.4.2, never a sha tag', { type: 'semver-major' }, 'v2.3.0', 'v3.4.2'],
    ['rc skipped', { type: 'semver-minor' }, 'v3.4.0', 'v3.4.2'],
    ['rc allowed', { type: 'semver-minor', allowPrerelease: true }, 'v3.4.0', 'v3.5.0-rc.2'],
    ['current rc moves to the next rc', { type: 'semver-patch' }, 'v3.5.0-rc.1', 'v3.5.0-rc.2'],
    ['two-part v3.1 -> v3.4', { type: 'semver-minor' }, 'v3.1', 'v3.4'],
    ['build numbers by regex', { type: 'regex', value: 'main-(?<version>\\d+)' }, 'main-99', 'main-180'],
    [
      'build numbers, current not a build',
      { type: 'regex', value: 'main-(?<version>\\d+)' },
      'latest',
      'main-180',
    ],
    [
      'always: newest v tag, pre-release or not',
      { type: 'always' },
      'v3.4.2',
      'v3.5.0-rc.2',
      { include: '^v' },
    ],
  ]);

  it('ignores every commit and signature tag for version rules', () => {
    const d = resolve({ rule: { type: 'semver-major' }, current: 'v0.1.0', tags: lists['ghcr-app'] });
    const notVersions = d.explanation.steps.find((s) => s.filter === 'not-a-version')!;
    const shaLike = lists['ghcr-app'].filter(
      (t) => /^(sha-|sha256-|[0-9a-f]{7}$)/.test(t) && /[a-f]/.test(t),
    );
    expect(notVersions.removed).toBeGreaterThanOrEqual(shaLike.length);
  });
});
