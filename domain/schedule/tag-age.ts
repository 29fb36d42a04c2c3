// spec.minTagAge (docs/safe-updates.md): how old a candidate tag is. Pure: the build time comes from
// the image config (read by the controller), the first-seen time from status.firstSeen.
//
// Where "first seen" lives: in status.firstSeen, so a controller restart or a new leader does not make
// every tag young again. An entry is written the first time a tag without a usable build time is
// decided as a candidate; it stays while the registry still lists the tag and the Image does not run
// it (that tag, or for the digest rule that digest), at most FIRST_SEEN_LIMIT entries (the most recently seen are kept).
import type { ImageFirstSeen } from '../../crds/index.js';

export const FIRST_SEEN_LIMIT = 32;

/**
 * Build times before this are not build times: reproducible builds (ko, Bazel, Nix, SOURCE_DATE_EPOCH=0)
 * write 1970-01-01 or similar on purpose, and such a tag must not pass for an old one.
 */
const EARLIEST_BUILD = Date.UTC(1990, 0, 1);

/** The build time of a config's `created`, or undefined when it is missing or not a real build time. */
export function buildTime(created: string | undefined): number | undefined {
  if (created === undefined) return undefined;
  const t = Date.parse(created);
  return Number.isNaN(t) || t < EARLIEST_BUILD ? undefined : t;
}

export interface TagAge {
  /** When the tag is old enough (ms since the epoch). */
  eligibleAt: number;
  /** What its age counts from. */
  source: 'built' | 'first seen';
  /** The time its age counts from. */
  since: number;
}

/** The entry of status.firstSeen for this tag (and, for the digest rule, this digest). */
export function seenEntry(
  seen: readonly ImageFirstSeen[] | undefined,
  tag: string,
  digest?: string,
): ImageFirstSeen | undefined {
  return seen?.find((e) => e.tag === tag && e.digest === digest);
}

/**
 * How old a candidate is: from its build time when the config has a real one, else from when it was
 * first seen. Returns the age and the first-seen list to store (with a new entry when needed).
 */
export function tagAge(input: {
  tag: string;
  digest?: string;
  created: string | undefined;
  seen: readonly ImageFirstSeen[] | undefined;
  minAgeMs: number;
  now: Date;
}): { age: TagAge; seen: ImageFirstSeen[] } {
  const seen = [...(input.seen ?? [])];
  const built = buildTime(input.created);
  if (built !== undefined) {
    return { age: { source: 'built', since: built, eligibleAt: built + input.minAgeMs }, seen };
  }
  let entry = seenEntry(seen, input.tag, input.digest);
  if (!entry) {
    entry = {
      tag: input.tag,
      ...(input.digest !== undefined ? { digest: input.digest } : {}),
      time: input.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    seen.unshift(entry);
  }
  const since = Date.parse(entry.time);
  return { age: { source: 'first seen', since, eligibleAt: since + input.minAgeMs }, seen };
}

/**
 * The first-seen entries worth keeping: tags the registry still lists, except what the Image runs now
 * (`running`), the most recently seen first.
 */
export function pruneSeen(
  seen: readonly ImageFirstSeen[],
  listed: readonly string[],
  running: { tag: string | undefined; digest: string | undefined },
): ImageFirstSeen[] {
  const tags = new Set(listed);
  return seen
    .filter(
      (e) =>
        tags.has(e.tag) &&
        !(e.tag === running.tag && (e.digest === undefined || e.digest === running.digest)),
    )
    .sort((a, b) => Date.parse(b.time) - Date.parse(a.time))
    .slice(0, FIRST_SEEN_LIMIT);
}
