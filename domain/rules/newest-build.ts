// newest-build: the tag whose image was built last, by the image config's `created` time. For tags that
// carry no order of their own (commit hashes, `main-<sha>`, branch builds), where text order would pick
// an arbitrary — possibly older — build. The controller reads the times from the registry; this file only
// decides, so the controller and `tagpilot resolve` give the same answer for the same times.
import { compareRaw } from './compare.js';
import { decide } from './decision.js';
import type { Funnel } from './funnel.js';
import type { Decision } from './types.js';

interface Build {
  tag: string;
  /** Milliseconds since the epoch, from the RFC 3339 `created`. */
  at: number;
}

interface Common {
  current: string;
  total: number;
  start: Funnel<string>;
  digests: Readonly<Record<string, string>> | undefined;
}

/** RFC 3339 as image configs write it (`2024-05-01T10:00:00.123456789Z`); undefined when unreadable. */
export function parseCreated(created: string | undefined): number | undefined {
  if (created === undefined || !/^\d{4}-\d\d-\d\dT/.test(created)) return undefined;
  const at = Date.parse(created);
  // Reproducible builds stamp the epoch (or leave `created` out): that says nothing about build order.
  return Number.isFinite(at) && at > 0 ? at : undefined;
}

/** Later build first; equal times (one build under several tags) fall back to text order. */
function byBuild(a: Build, b: Build): number {
  return a.at - b.at || compareRaw(a.tag, b.tag);
}

export function resolveNewestBuild(
  c: Common,
  created: Readonly<Record<string, string>> | undefined,
): Decision {
  const timeOf = (tag: string) => parseCreated(created?.[tag]);
  let f = c.start.keepMap('no-created', 'images that record a build time (config "created")', (tag) => {
    const at = timeOf(tag);
    return at === undefined ? undefined : { tag, at };
  });
  const cur = timeOf(c.current);
  if (cur !== undefined) {
    const iso = new Date(cur).toISOString();
    f = f.keep('not-newer', `built after ${c.current} (${iso})`, (x) => x.at > cur);
  } else {
    f.note('not-newer', `${c.current} has no known build time, so every build qualifies`);
  }
  return decide({
    rule: 'newest-build',
    current: c.current,
    total: c.total,
    funnel: f,
    compare: byBuild,
    order: 'image build time (config "created"), latest wins; equal times by text order',
    scope: 'by build time',
    digests: c.digests,
  });
}
