// Narrows the tag list step by step and remembers what each step removed, which is most of a decision's
// explanation. Linear passes only: 10,000 tags per decision must stay well under 10 ms.
import { compareRaw } from './compare.js';
import type { FilterStep } from './types.js';

const EXAMPLES = 3;

/** Keep the `limit` smallest by `cmp` in `list`, sorted; one or two comparisons for most calls. */
export function pushBounded<T>(list: T[], item: T, cmp: (a: T, b: T) => number, limit: number): void {
  if (list.length === limit && cmp(item, list[limit - 1]!) >= 0) return;
  // A new best (ascending input does this for every item): straight to the front.
  if (list.length > 0 && cmp(item, list[0]!) < 0) {
    list.unshift(item);
    if (list.length > limit) list.pop();
    return;
  }
  let i = list.length;
  while (i > 0 && cmp(item, list[i - 1]!) < 0) i--;
  list.splice(i, 0, item);
  if (list.length > limit) list.pop();
}

/** Funnel items: bare tags, or richer entries that carry their tag. */
export type Item = string | { tag: string };

export function tagOf(item: Item): string {
  return typeof item === 'string' ? item : item.tag;
}

/** Keep the EXAMPLES smallest removed tags (text order), so the explanation does not depend on listing order. */
function addExample(examples: string[], tag: string): void {
  // Most removed tags lose against the current largest example: one comparison, no call.
  if (examples.length === EXAMPLES && tag >= examples[EXAMPLES - 1]!) return;
  pushBounded(examples, tag, compareRaw, EXAMPLES);
}

export class Funnel<T extends Item> {
  readonly steps: FilterStep[];
  items: T[];

  constructor(items: T[], steps: FilterStep[] = []) {
    this.items = items;
    this.steps = steps;
  }

  /** Drop items failing `pred`, recording the step (even when it removes nothing, so the funnel reads whole). */
  keep(filter: string, description: string, pred: (item: T) => boolean): Funnel<T> {
    const kept: T[] = [];
    const examples: string[] = [];
    let removed = 0;
    for (const item of this.items) {
      if (pred(item)) kept.push(item);
      else {
        removed++;
        addExample(examples, tagOf(item));
      }
    }
    this.steps.push({ filter, description, removed, examples });
    return new Funnel(kept, this.steps);
  }

  /** Like keep, but `fn` also turns kept items into richer ones (parse once, then filter on the result). */
  keepMap<U extends Item>(filter: string, description: string, fn: (item: T) => U | undefined): Funnel<U> {
    const kept: U[] = [];
    const examples: string[] = [];
    let removed = 0;
    for (const item of this.items) {
      const out = fn(item);
      if (out !== undefined) kept.push(out);
      else {
        removed++;
        addExample(examples, tagOf(item));
      }
    }
    this.steps.push({ filter, description, removed, examples });
    return new Funnel(kept, this.steps);
  }

  /** Record a step that removed nothing but explains the reasoning (e.g. why the current tag is no bound). */
  note(filter: string, description: string): this {
    this.steps.push({ filter, description, removed: 0, examples: [], note: true });
    return this;
  }

  /** Best `k` items by `cmp` (higher is better), best first. */
  top(cmp: (a: T, b: T) => number, k: number): T[] {
    const worstFirst = (a: T, b: T) => cmp(b, a);
    const best: T[] = [];
    for (const item of this.items) pushBounded(best, item, worstFirst, k);
    return best;
  }
}
