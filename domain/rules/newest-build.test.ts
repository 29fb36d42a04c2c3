import { describe, expect, it } from 'vitest';
import { considerTag, filterTags, parseCreated, resolve } from './index.js';

const T = (h: number) => `2026-11-0${h}T10:00:00.123456789Z`;

describe('newest-build', () => {
  const created = {
    'main-aaa1111': T(1),
    'main-ccc3333': T(3),
    'main-bbb2222': T(2),
    'main-old0000': T(0 + 1).replace('T10', 'T09'),
  };
  const cases: {
    name: string;
    current: string;
    tags: string[];
    created?: Record<string, string>;
    include?: string;
    exclude?: string[];
    want: string | undefined;
    why?: RegExp;
  }[] = [
    {
      name: 'picks the latest build, not the highest name',
      current: 'main-aaa1111',
      tags: ['main-aaa1111', 'main-ccc3333', 'main-bbb2222'],
      created: { 'main-aaa1111': T(1), 'main-ccc3333': T(2), 'main-bbb2222': T(3) },
      want: 'main-bbb2222',
    },
    {
      name: 'stays on the latest build',
      current: 'main-ccc3333',
      tags: Object.keys(created),
      created,
      want: undefined,
      why: /no tag is newer/,
    },
    {
      name: 'never moves to an older build',
      current: 'main-bbb2222',
      tags: ['main-aaa1111', 'main-bbb2222', 'main-old0000'],
      created,
      want: undefined,
    },
    {
      name: 'include filter applies',
      current: 'main-aaa1111',
      tags: ['main-aaa1111', 'dev-zzz9999', 'main-bbb2222'],
      created: { ...created, 'dev-zzz9999': T(9) },
      include: '^main-',
      want: 'main-bbb2222',
    },
    {
      name: 'exclude filter applies',
      current: 'main-aaa1111',
      tags: ['main-aaa1111', 'main-ccc3333', 'main-bbb2222'],
      created,
      exclude: ['ccc'],
      want: 'main-bbb2222',
    },
    {
      name: 'tags without created are ignored',
      current: 'main-aaa1111',
      tags: ['main-aaa1111', 'main-nocreat', 'main-bbb2222'],
      created,
      want: 'main-bbb2222',
    },
    {
      name: 'epoch (reproducible build) is no build time',
      current: 'main-aaa1111',
      tags: ['main-aaa1111', 'main-epoch00'],
      created: { ...created, 'main-epoch00': '1970-01-01T00:00:00Z' },
      want: undefined,
    },
    {
      name: 'unknown current build time: every build qualifies',
      current: 'gone',
      tags: ['main-aaa1111', 'main-bbb2222'],
      created,
      want: 'main-bbb2222',
    },
    {
      name: 'offsets compare as instants',
      current: 'a',
      tags: ['a', 'b'],
      created: { a: '2026-11-01T10:30:00+00:00', b: '2026-11-01T11:00:00+01:00' },
      want: undefined,
    },
    {
      name: 'equal times: same build, not newer',
      current: 'a',
      tags: ['a', 'b'],
      created: { a: T(1), b: T(1) },
      want: undefined,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = resolve({
        rule: { type: 'newest-build' },
        current: c.current,
        tags: c.tags,
        created: c.created,
        filter: { include: c.include, exclude: c.exclude },
      });
      expect(d.kind === 'change' ? d.tag : undefined).toBe(c.want);
      if (c.why) expect(d.reason).toMatch(c.why);
    });
  }

  it('explains the tags left out for lacking a build time', () => {
    const d = resolve({
      rule: { type: 'newest-build' },
      current: 'main-aaa1111',
      tags: ['main-aaa1111', 'main-nocreat'],
      created,
    });
    const step = d.explanation.steps.find((s) => s.filter === 'no-created');
    expect(step).toMatchObject({ removed: 1, examples: ['main-nocreat'] });
  });

  it('takes no value', () => {
    expect(() => resolve({ rule: { type: 'newest-build', value: 'x' }, current: 'a', tags: [] })).toThrow(
      /takes no value/,
    );
  });

  it('parses RFC 3339 only', () => {
    expect(parseCreated('2026-11-01T10:00:00Z')).toBe(Date.UTC(2026, 10, 1, 10));
    expect(parseCreated('yesterday')).toBeUndefined();
    expect(parseCreated(undefined)).toBeUndefined();
  });
});

describe('considerTag (hook acceptance)', () => {
  const cases: {
    name: string;
    rules: { type: string; value?: string }[];
    include?: string;
    current: string;
    tag: string;
    accepted: boolean;
    reason: RegExp;
  }[] = [
    {
      name: 'include filter rejects',
      rules: [{ type: 'newest-build' }],
      include: '^v',
      current: 'v1',
      tag: 'main-7f3a9c1',
      accepted: false,
      reason: /^tag main-7f3a9c1 does not match tagFilter.include \^v$/,
    },
    {
      name: 'newest-build accepts a filtered tag',
      rules: [{ type: 'newest-build' }],
      include: '^main-',
      current: 'main-1',
      tag: 'main-7f3a9c1',
      accepted: true,
      reason: /build time decides/,
    },
    {
      name: 'semver rejects an older version',
      rules: [{ type: 'semver-major' }],
      current: '1.2.0',
      tag: '1.1.0',
      accepted: false,
      reason: /rejected: rule "semver-major"/,
    },
    {
      name: 'semver accepts a newer version',
      rules: [{ type: 'semver-major' }],
      current: '1.2.0',
      tag: '1.3.0',
      accepted: true,
      reason: /newer than 1.2.0/,
    },
    {
      name: 'semver rejects a commit tag',
      rules: [{ type: 'semver-minor' }],
      current: '1.2.0',
      tag: 'main-7f3a9c1',
      accepted: false,
      reason: /rejected/,
    },
    {
      name: 'digest accepts its own tag only',
      rules: [{ type: 'digest' }],
      current: 'latest',
      tag: 'latest',
      accepted: true,
      reason: /follows/,
    },
    {
      name: 'digest rejects another tag',
      rules: [{ type: 'digest' }],
      current: 'latest',
      tag: 'main',
      accepted: false,
      reason: /follows latest only/,
    },
    {
      name: 'second rule may accept',
      rules: [{ type: 'digest' }, { type: 'newest-build' }],
      current: 'latest',
      tag: 'main-1',
      accepted: true,
      reason: /newest-build/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = considerTag({
        rules: c.rules,
        filter: { include: c.include },
        current: c.current,
        tag: c.tag,
      });
      expect(r.accepted).toBe(c.accepted);
      expect(r.reason).toMatch(c.reason);
    });
  }

  it('filterTags keeps what the filter keeps', () => {
    expect(filterTags(['v1', 'main-1', 'v2-rc'], { include: '^v', exclude: ['rc'] })).toEqual(['v1']);
  });
});
