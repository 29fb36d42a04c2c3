import { describe, expect, it } from 'vitest';
import { RuleError } from './errors.js';
import { resolve } from './resolve.js';

const A = 'sha256:' + 'a'.repeat(64);
const B = 'sha256:' + 'b'.repeat(64);

describe('digest rule', () => {
  const base = { rule: { type: 'digest' }, current: 'latest', tags: ['latest', '1.0.0', '2.0.0'] };

  it('a new digest behind the same tag is a change', () => {
    const d = resolve({ ...base, currentDigest: A, digests: { latest: B } });
    expect(d).toMatchObject({ kind: 'change', tag: 'latest', digest: B });
    expect(d.reason).toBe(`latest moved from ${A} to ${B}`);
  });

  it('the same digest is no change', () => {
    const d = resolve({ ...base, currentDigest: A, digests: { latest: A } });
    expect(d).toMatchObject({ kind: 'none', digest: A });
    expect(d.kind === 'none' && d.firstObservation).toBeFalsy();
  });

  it('first observation records the digest without a rollout', () => {
    const d = resolve({ ...base, digests: { latest: A } });
    expect(d).toMatchObject({ kind: 'none', digest: A, firstObservation: true });
  });

  it('never moves to another tag, even a newer version', () => {
    const d = resolve({ ...base, current: '1.0.0', currentDigest: A, digests: { '1.0.0': A, '2.0.0': B } });
    expect(d.kind).toBe('none');
  });

  it('a tag the registry no longer lists is no change', () => {
    const d = resolve({ ...base, current: 'gone', currentDigest: A, digests: {} });
    expect(d.kind).toBe('none');
    expect(d.reason).toContain('not among the registry');
  });

  it('a tag the filter removes is no change', () => {
    const d = resolve({
      ...base,
      filter: { exclude: ['^latest$'] },
      currentDigest: A,
      digests: { latest: B },
    });
    expect(d.kind).toBe('none');
  });

  it('needs the registry digest of the current tag', () => {
    expect(() => resolve({ ...base, currentDigest: A })).toThrow(RuleError);
    expect(() => resolve({ ...base, currentDigest: A })).toThrow(/^digests: .*"latest"/);
  });
});
