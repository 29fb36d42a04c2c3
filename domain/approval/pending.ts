// What a new decision does to status.pending when the Image requires approval: a first candidate starts
// to wait, the same candidate keeps waiting (nothing new: no Event, no alert), and a different one
// supersedes the waiting one. Pure: the caller writes the status, the Events and the alert.
import type { ImagePending, ImageSpec } from '../../crds/index.js';

export const SUPERSEDED_LIMIT = 10;

/** Whether new tags of this Image wait for approval (spec.approval.required, default false). */
export function approvalRequired(spec: Pick<ImageSpec, 'approval'>): boolean {
  return spec.approval?.required ?? false;
}

export interface Candidate {
  tag: string;
  digest?: string | undefined;
  previousTag?: string | undefined;
  rule: string;
}

export type PendingStep =
  /** This candidate already waits: nothing to record, announce or alert. */
  | { kind: 'same'; pending: ImagePending }
  /** Nothing waited: the candidate starts to wait. */
  | { kind: 'new'; pending: ImagePending }
  /** Another candidate waited and is replaced; `message` says which by which. */
  | { kind: 'superseded'; pending: ImagePending; replaced: ImagePending; message: string };

/** `tag`, or `tag@sha256:0123456789ab` when the tag stays and only the digest moved (the digest rule). */
function label(p: { tag: string; digest?: string | undefined }, other: { tag: string }): string {
  if (p.tag !== other.tag || !p.digest) return p.tag;
  return `${p.tag}@${p.digest.replace(/^(sha256:)?(.{12}).*$/, '$1$2')}`;
}

/** The next status.pending for `candidate`, decided at `now` (RFC 3339). */
export function nextPending(
  previous: ImagePending | undefined,
  candidate: Candidate,
  now: string,
): PendingStep {
  const pending: ImagePending = {
    tag: candidate.tag,
    ...(candidate.digest ? { digest: candidate.digest } : {}),
    ...(candidate.previousTag ? { previousTag: candidate.previousTag } : {}),
    rule: candidate.rule,
    since: now,
  };
  if (!previous) return { kind: 'new', pending };
  if (previous.tag === candidate.tag && (previous.digest ?? '') === (candidate.digest ?? '')) {
    return { kind: 'same', pending: previous };
  }
  const superseded = [previous.tag, ...(previous.superseded ?? [])]
    .filter((t, i, all) => t !== candidate.tag && all.indexOf(t) === i)
    .slice(0, SUPERSEDED_LIMIT);
  return {
    kind: 'superseded',
    pending: { ...pending, ...(superseded.length ? { superseded } : {}) },
    replaced: previous,
    message: `${label(previous, candidate)} superseded by ${label(candidate, previous)}`,
  };
}
