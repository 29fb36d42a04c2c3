// Tags the health gate rolled back. The rules skip them, so a failed tag is not applied again on the
// next tick; a newer tag is a different tag and goes through the gate as usual.
import type { ImageRejectedTag } from '../../crds/index.js';

export const REJECTED_LIMIT = 20;

/** The tags the rules must not pick. */
export function rejectedTags(rejected: readonly ImageRejectedTag[] | undefined): Set<string> {
  return new Set((rejected ?? []).map((r) => r.tag));
}

/** `entry` first, any older entry of the same tag dropped, at most `limit` entries. */
export function addRejected(
  rejected: readonly ImageRejectedTag[] | undefined,
  entry: ImageRejectedTag,
  limit = REJECTED_LIMIT,
): ImageRejectedTag[] {
  return [entry, ...(rejected ?? []).filter((r) => r.tag !== entry.tag)].slice(0, limit);
}
