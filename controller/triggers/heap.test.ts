import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyedMinHeap } from './heap.js';

/** Pops everything: the order a heap yields its keys in. */
function drain(heap: KeyedMinHeap<string>): [string, number][] {
  const out: [string, number][] = [];
  for (let top = heap.peek(); top !== undefined; top = heap.peek()) {
    out.push([top.key, top.due]);
    heap.delete(top.key);
  }
  return out;
}

describe('KeyedMinHeap', () => {
  it('orders by due time, then key', () => {
    const heap = new KeyedMinHeap<string>();
    heap.set('c', 3);
    heap.set('b', 1);
    heap.set('a', 1);
    heap.set('d', 0);
    expect(drain(heap)).toEqual([
      ['d', 0],
      ['a', 1],
      ['b', 1],
      ['c', 3],
    ]);
  });

  it('moves a key when its due time changes, both ways', () => {
    const heap = new KeyedMinHeap<string>();
    for (const [k, d] of [
      ['a', 10],
      ['b', 20],
      ['c', 30],
    ] as const)
      heap.set(k, d);
    heap.set('c', 5);
    expect(heap.peek()).toEqual({ key: 'c', due: 5 });
    heap.set('c', 50);
    expect(heap.peek()).toEqual({ key: 'a', due: 10 });
    expect(heap.dueOf('c')).toBe(50);
    expect(heap.size).toBe(3);
  });

  it('behaves like a sorted list under any sequence of sets and deletes (property)', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('set' as const),
        key: fc.integer({ min: 0, max: 30 }),
        due: fc.integer({ min: 0, max: 50 }),
      }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 30 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const heap = new KeyedMinHeap<string>();
        const model = new Map<string, number>();
        for (const o of ops) {
          const key = `k${o.key}`;
          if (o.kind === 'set') {
            heap.set(key, o.due);
            model.set(key, o.due);
          } else {
            expect(heap.delete(key)).toBe(model.delete(key));
          }
          expect(heap.size).toBe(model.size);
        }
        const expected = [...model.entries()].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
        expect(drain(heap)).toEqual(expected);
      }),
    );
  });
});
