import { describe, expect, it } from 'vitest';
import { addRejected, rejectedDigests, rejectedTags } from './rejected.js';

describe('rejected tags', () => {
  it('lists the tags to skip', () => {
    expect([
      ...rejectedTags([
        { tag: '2.0.0', time: 't' },
        { tag: '1.9.0', time: 't' },
      ]),
    ]).toEqual(['2.0.0', '1.9.0']);
    expect(rejectedTags(undefined).size).toBe(0);
  });
  it('puts the newest first, once per tag, bounded', () => {
    const list = addRejected(
      [
        { tag: 'a', time: '1' },
        { tag: 'b', time: '1' },
      ],
      { tag: 'a', time: '2' },
      2,
    );
    expect(list).toEqual([
      { tag: 'a', time: '2' },
      { tag: 'b', time: '1' },
    ]);
    expect(addRejected(list, { tag: 'c', time: '3' }, 2).map((r) => r.tag)).toEqual(['c', 'a']);
  });
  it('keeps each refused digest of a mutable tag, and lists them for the digest rule', () => {
    const list = addRejected([{ tag: 'latest', digest: 'sha256:a', time: '1' }], {
      tag: 'latest',
      digest: 'sha256:b',
      time: '2',
    });
    expect(list.map((r) => r.digest)).toEqual(['sha256:b', 'sha256:a']);
    expect([...rejectedDigests([...list, { tag: '1.0.0', time: '0' }])]).toEqual([
      'latest@sha256:b',
      'latest@sha256:a',
    ]);
    expect(addRejected(list, { tag: 'latest', digest: 'sha256:b', time: '3' })).toHaveLength(2);
  });
});
