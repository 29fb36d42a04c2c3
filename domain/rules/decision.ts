// Builds Decision objects from a finished funnel, so every rule words its outcome the same way.
import type { Funnel } from './funnel.js';
import type { Decision, RuleType } from './types.js';

const TOP = 5;

export interface Outcome<T extends { tag: string }> {
  rule: RuleType;
  current: string;
  total: number;
  funnel: Funnel<T>;
  /** Higher is better; must be a total order over distinct tags. */
  compare: (a: T, b: T) => number;
  order: string;
  /** What candidates had to satisfy, for the one-line reason, e.g. `with shape N.N.N-alpine, major 20`. */
  scope: string;
  digests?: Readonly<Record<string, string>>;
}

export function decide<T extends { tag: string }>(o: Outcome<T>): Decision {
  const best = o.funnel.top(o.compare, TOP);
  const explanation = {
    rule: o.rule,
    current: o.current,
    total: o.total,
    steps: o.funnel.steps,
    candidates: o.funnel.items.length,
    top: best.map((x) => x.tag),
    order: o.order,
  };
  const winner = best[0];
  if (winner === undefined || winner.tag === o.current) {
    return {
      kind: 'none',
      reason: `no tag is newer than ${JSON.stringify(o.current)}${o.scope ? ` (${o.scope})` : ''}`,
      explanation,
    };
  }
  const runnerUp = best[1];
  const n = o.funnel.items.length;
  const among = n === 1 ? 'the only tag' : `the highest of ${n} tags`;
  const scope = o.scope ? `, ${o.scope}` : '';
  const decision: Decision = {
    kind: 'change',
    tag: winner.tag,
    reason: `${winner.tag} is ${among} newer than ${JSON.stringify(o.current)}${scope}${
      runnerUp ? `; next: ${runnerUp.tag}` : ''
    }`,
    explanation,
  };
  const digest = o.digests?.[winner.tag];
  if (digest !== undefined) decision.digest = digest;
  return decision;
}
