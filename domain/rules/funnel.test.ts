import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Funnel, pushBounded } from './funnel.js';

const byNumber = (a: number, b: number) => a - b;

describe('pushBounded', () => {
  it('keeps the smallest `limit` items, sorted, whatever the arrival order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -50, max: 50 })),
        fc.integer({ min: 1, max: 6 }),
        (xs, limit) => {
          const kept: number[] = [];
          for (const x of xs) pushBounded(kept, x, byNumber, limit);
          expect(kept).toEqual([...xs].sort(byNumber).slice(0, limit));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('Funnel', () => {
  it('records every step, with the smallest removed tags as examples', () => {
    const f = new Funnel(['d', 'a', 'c', 'b', 'e', 'f'])
      .keep('vowels', 'no vowels', (x) => !'ae'.includes(x))
      .keep('late', 'before e', (x) => x < 'e')
      .note('remark', 'nothing removed');
    expect(f.items).toEqual(['d', 'c', 'b']);
    expect(f.steps).toEqual([
      { filter: 'vowels', description: 'no vowels', removed: 2, examples: ['a', 'e'] },
      { filter: 'late', description: 'before e', removed: 1, examples: ['f'] },
      { filter: 'remark', description: 'nothing removed', removed: 0, examples: [], note: true },
    ]);
  });

  it('caps examples at three', () => {
    const f = new Funnel(['z', 'y', 'x', 'w', 'v']).keep('none', 'nothing', () => false);
    expect(f.steps[0]).toMatchObject({ removed: 5, examples: ['v', 'w', 'x'] });
  });

  it('top returns the best first', () => {
    const f = new Funnel([{ tag: 'a' }, { tag: 'c' }, { tag: 'b' }]);
    expect(f.top((x, y) => (x.tag < y.tag ? -1 : x.tag > y.tag ? 1 : 0), 2).map((x) => x.tag)).toEqual([
      'c',
      'b',
    ]);
  });
});
