import { describe, expect, it } from 'vitest';
import type { ImageRule } from '../../crds/index.js';
import { RuleError } from '../../domain/rules/index.js';
import { decideRules, needsCurrentDigest, ruleName } from './decide.js';

const apply = [{ type: 'apply' as const }];
const rule = (type: ImageRule['type'], extra: Partial<ImageRule> = {}): ImageRule => ({
  type,
  actions: apply,
  ...extra,
});

describe('decideRules', () => {
  const tags = ['v1.0.0', 'v1.0.1', 'v1.1.0', 'v2.0.0', 'latest'];

  it('never picks a rejected tag, says so, and picks a newer one when there is one', () => {
    const rejected = new Set(['v1.1.0']);
    const none = decideRules({
      rules: [rule('semver-minor')],
      current: 'v1.0.1',
      currentPath: 'status.tag',
      tags,
      rejected,
    });
    expect(none.kind).toBe('none');
    expect(none.kind === 'none' && none.reasons.at(-1)).toBe(
      'rejected before (rolled back or refused), skipped (status.rejected): v1.1.0',
    );
    const next = decideRules({
      rules: [rule('semver-minor')],
      current: 'v1.0.1',
      currentPath: 'status.tag',
      tags: [...tags, 'v1.2.0'],
      rejected,
    });
    expect(next).toMatchObject({ kind: 'change', tag: 'v1.2.0' });
  });

  it.each<[string, ImageRule[], string, string | undefined, string | undefined]>([
    ['semver-minor stays within the major', [rule('semver-minor')], 'v1.0.0', 'v1.1.0', 'semver-minor'],
    ['semver-patch stays within the minor', [rule('semver-patch')], 'v1.0.0', 'v1.0.1', 'semver-patch'],
    ['semver-major takes the highest', [rule('semver-major')], 'v1.0.0', 'v2.0.0', 'semver-major'],
    ['nothing newer means no change', [rule('semver-major')], 'v2.0.0', undefined, undefined],
    [
      'the first rule with a change wins',
      [rule('semver-patch', { name: 'patch' }), rule('semver-major', { name: 'major' })],
      'v1.0.1',
      'v2.0.0',
      'major',
    ],
    [
      'an earlier rule with a change beats a later one',
      [rule('semver-patch', { name: 'patch' }), rule('semver-major', { name: 'major' })],
      'v1.0.0',
      'v1.0.1',
      'patch',
    ],
  ])('%s', (_name, rules, current, tag, winner) => {
    const out = decideRules({ rules, current, currentPath: 'status.tag', tags });
    if (tag === undefined) {
      expect(out.kind).toBe('none');
    } else {
      expect(out).toMatchObject({ kind: 'change', tag, ruleName: winner, digestRule: false });
    }
  });

  it('skips tags the caller excluded (e.g. missing platforms) but never the current tag', () => {
    const out = decideRules({
      rules: [rule('semver-minor')],
      current: 'v1.0.0',
      currentPath: 'status.tag',
      tags,
      excluded: new Set(['v1.1.0', 'v1.0.0']),
    });
    expect(out).toMatchObject({ kind: 'change', tag: 'v1.0.1' });
  });

  it('says why nothing changed, per rule when there are several', () => {
    const out = decideRules({
      rules: [rule('semver-patch', { name: 'p' }), rule('semver-minor', { name: 'm' })],
      current: 'v1.1.0',
      currentPath: 'status.tag',
      tags,
    });
    expect(out.kind).toBe('none');
    if (out.kind !== 'none') return;
    expect(out.reasons).toHaveLength(2);
    expect(out.reasons[0]).toMatch(/^rule "p": no tag is newer than "v1.1.0"/);
  });

  it('digest rule: first observation records the digest, a moved digest is a change', () => {
    const base = {
      rules: [rule('digest')],
      current: 'latest',
      currentPath: 'spec.baseTag',
      tags,
      digests: { latest: 'sha256:new' },
    };
    expect(decideRules(base)).toEqual(expect.objectContaining({ kind: 'none', digest: 'sha256:new' }));
    expect(decideRules({ ...base, currentDigest: 'sha256:new' })).toMatchObject({ kind: 'none' });
    expect(decideRules({ ...base, currentDigest: 'sha256:old' })).toMatchObject({
      kind: 'change',
      tag: 'latest',
      digest: 'sha256:new',
      digestRule: true,
    });
  });

  it('digest rule: a refused digest is not picked again (nor recorded), a newer push is', () => {
    const base = {
      rules: [rule('digest')],
      current: 'latest',
      currentPath: 'spec.baseTag',
      tags,
      currentDigest: 'sha256:old',
      rejected: new Set(['latest']),
      rejectedDigests: new Set(['latest@sha256:bad']),
    };
    const refused = decideRules({ ...base, digests: { latest: 'sha256:bad' } });
    expect(refused).toEqual({
      kind: 'none',
      reasons: [
        'digest sha256:bad of latest was rejected before (rolled back or refused, status.rejected); waiting for a newer push',
      ],
    });
    expect(decideRules({ ...base, digests: { latest: 'sha256:newer' } })).toMatchObject({
      kind: 'change',
      tag: 'latest',
      digest: 'sha256:newer',
    });
  });

  it('names the offending field when a rule is bad', () => {
    const call = () =>
      decideRules({
        rules: [rule('semver-minor'), rule('regex', { value: '(' })],
        current: 'v9.0.0',
        currentPath: 'status.tag',
        tags,
      });
    expect(call).toThrow(RuleError);
    expect(call).toThrow(/spec\.rules\[1\]\.value/);
  });
});

describe('helpers', () => {
  it('ruleName falls back to the type', () => {
    expect(ruleName({ type: 'digest' })).toBe('digest');
    expect(ruleName({ type: 'digest', name: 'pin' })).toBe('pin');
  });
  it('needsCurrentDigest only for the digest rule', () => {
    expect(needsCurrentDigest([rule('semver-minor')])).toBe(false);
    expect(needsCurrentDigest([rule('semver-minor'), rule('digest')])).toBe(true);
  });
});
