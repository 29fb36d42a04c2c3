// Tags the health gate rolled back. The rules skip them, so a failed tag is not applied again on the
// next tick; a newer tag is a different tag and goes through the gate as usual.
import type { ImageRejectedTag } from '../../crds/index.js';

export const REJECTED_LIMIT = 20;

/** The tags the rules must not pick. */
export function rejectedTags(rejected: readonly ImageRejectedTag[] | undefined): Set<string> {
  return new Set((rejected ?? []).map((r) => r.tag));
}

/** `tag@digest` of the rejected entries that name a digest (what the digest rule must not pick again). */
export function rejectedDigests(rejected: readonly ImageRejectedTag[] | undefined): Set<string> {
  return new Set((rejected ?? []).filter((r) => r.digest).map((r) => `${r.tag}@${r.digest}`));
}

/** `entry` first, any older entry of the same tag and digest dropped, at most `limit` entries. */
export function addRejected(
  rejected: readonly ImageRejectedTag[] | undefined,
  entry: ImageRejectedTag,
  limit = REJECTED_LIMIT,
): ImageRejectedTag[] {
  return [
    entry,
    ...(rejected ?? []).filter(
      (r) => r.tag !== entry.tag || (r.digest !== entry.digest && !!entry.digest && !!r.digest),
    ),
  ].slice(0, limit);
}
