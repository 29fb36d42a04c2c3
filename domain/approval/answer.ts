// Answers to a pending approval: the annotations a person sets (or `tagpilot approve|reject` sets for
// them), and whether an answer applies to what waits. The controller and the CLI both judge with
// `judgeAnswer`, so the CLI refuses exactly what the controller would ignore, with the same words.
import type { ImagePending } from '../../crds/index.js';
import { APPROVE_ANNOTATION, REJECT_ANNOTATION, type Verb } from './annotations.js';

export interface Answer {
  verb: Verb;
  /** The tag it answers for: the annotation's value, trimmed. */
  tag: string;
  annotation: string;
  /** The annotation's value as set (removing it tests this value). */
  value: string;
}

/**
 * The answers an Image carries, the reject first: when both are set, the reject wins (the safe side) and
 * the approve is dropped with it.
 */
export function answersOf(annotations: Readonly<Record<string, string>> | undefined): Answer[] {
  const out: Answer[] = [];
  const reject = annotations?.[REJECT_ANNOTATION];
  const approve = annotations?.[APPROVE_ANNOTATION];
  if (reject !== undefined)
    out.push({ verb: 'reject', tag: reject.trim(), annotation: REJECT_ANNOTATION, value: reject });
  if (approve !== undefined)
    out.push({ verb: 'approve', tag: approve.trim(), annotation: APPROVE_ANNOTATION, value: approve });
  return out;
}

export type Judgement =
  | { ok: true; verb: Verb; pending: ImagePending }
  | { ok: false; reason: 'NothingPending' | 'Superseded' | 'OtherTag' | 'NoTag'; message: string };

/** Whether `verb` for `tag` answers what waits in status.pending. */
export function judgeAnswer(verb: Verb, tag: string, pending: ImagePending | undefined): Judgement {
  if (!pending) {
    return {
      ok: false,
      reason: 'NothingPending',
      message: `${verb}${tag ? ` ${tag}` : ''}: nothing waits for approval (status.pending is empty), so nothing was done`,
    };
  }
  if (tag === '') {
    return {
      ok: false,
      reason: 'NoTag',
      message: `${verb}: no tag given; name the tag that waits (${pending.tag})`,
    };
  }
  if (tag === pending.tag) return { ok: true, verb, pending };
  if (pending.superseded?.includes(tag)) {
    return {
      ok: false,
      reason: 'Superseded',
      message: `${verb} ${tag}: ${tag} was superseded by ${pending.tag}, which waits for approval now; nothing was done (${verb} ${pending.tag} instead)`,
    };
  }
  return {
    ok: false,
    reason: 'OtherTag',
    message: `${verb} ${tag}: ${pending.tag} waits for approval, not ${tag}; nothing was done`,
  };
}
