// Schema source of the approval part of the Image kind (docs/safe-updates.md#approvals): spec.approval and
// status.pending. Generated like the rest of the Image from crds/image.schema.ts.
import { arr, bool, named, obj, str } from './schema/builders.js';
import { DIGEST } from './schema/shared.js';

export const approval = named(
  'Approval',
  'Whether a person must approve each new tag before it is applied.',
  obj(
    `With required: true, a tag the rules pick is not applied: it waits in status.pending until a
     person approves it (annotation tagpilot.dev/approve=TAG or "tagpilot approve") or rejects it
     (tagpilot.dev/reject=TAG or "tagpilot reject"); see docs/safe-updates.md.`,
    {
      required: bool('New tags wait for approval before any action runs.', { default: false }),
    },
  ),
);

export const pending = named(
  'ImagePending',
  'A decided tag that waits for approval.',
  obj(
    `The tag the rules picked that waits for approval (present only while it waits). status.tag and
     status.digest stay what the cluster runs; nothing is applied until it is approved.`,
    {
      tag: str('The tag that waits.', { maxLength: 128 }),
      digest: str('Its digest when known; approving applies exactly this digest.', {
        maxLength: 256,
        pattern: DIGEST,
      }),
      previousTag: str('status.tag when the tag was decided.', { maxLength: 128 }),
      rule: str('The rule that picked the tag.', { maxLength: 63 }),
      since: str('When it started to wait.', { format: 'date-time' }),
      superseded: arr(
        'Tags that waited before this one and were replaced by it, newest first (the last 10).',
        str('A superseded tag.', { maxLength: 128 }),
        { maxItems: 10 },
      ),
    },
    ['tag', 'rule', 'since'],
  ),
);
