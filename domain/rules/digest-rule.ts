// digest: the tag stays; a different digest behind it is the change (mutable tags such as `latest`).
// First observation (no digest recorded yet) is *not* a change: it returns kind 'none' with the digest
// to record and firstObservation, so installing Tagpilot never restarts every workload it follows.
import { RuleError } from './errors.js';
import type { Funnel } from './funnel.js';
import type { Decision, Explanation } from './types.js';

export function resolveDigest(c: {
  current: string;
  total: number;
  start: Funnel<string>;
  currentDigest: string | undefined;
  digests: Readonly<Record<string, string>> | undefined;
}): Decision {
  const f = c.start.keep('listed', `the current tag ${c.current} itself`, (x) => x === c.current);
  const listed = f.items.length === 1;
  const explanation: Explanation = {
    rule: 'digest',
    current: c.current,
    total: c.total,
    steps: f.steps,
    candidates: f.items.length,
    top: [...f.items],
    order: 'digest comparison: the registry digest of the current tag against the recorded one',
  };
  if (!listed) {
    return {
      kind: 'none',
      reason: `${JSON.stringify(c.current)} is not among the registry's tags (or the tag filter removed it); nothing to compare`,
      explanation,
    };
  }
  const latest = c.digests?.[c.current];
  if (latest === undefined) {
    throw new RuleError(
      'digests',
      `the digest rule needs the registry digest of ${JSON.stringify(c.current)}`,
    );
  }
  if (c.currentDigest === undefined || c.currentDigest === '') {
    return {
      kind: 'none',
      firstObservation: true,
      digest: latest,
      reason: `first observation of ${c.current}: recording ${latest}; later digests will be changes`,
      explanation,
    };
  }
  if (c.currentDigest === latest) {
    return { kind: 'none', digest: latest, reason: `${c.current} still points at ${latest}`, explanation };
  }
  return {
    kind: 'change',
    tag: c.current,
    digest: latest,
    reason: `${c.current} moved from ${c.currentDigest} to ${latest}`,
    explanation,
  };
}
