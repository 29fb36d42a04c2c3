import { describe, expect, it } from 'vitest';
import { addRejected, rejectedTags } from './rejected.js';

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
});
