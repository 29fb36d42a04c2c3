// Schema source of the holds part of the Image kind (docs/safe-updates.md, "Holds"): status.holds, the
// workloads someone rolled back by hand, which Tagpilot neither applies to nor pins until released.
import { arr, bool, enumOf, named, obj, str } from './schema/builders.js';

const holdEntry = named(
  'ImageHold',
  'A workload container rolled back by hand: Tagpilot leaves it alone until the hold is released.',
  obj(
    `A workload container that runs another reference than status.tag, written by someone else after
     Tagpilot moved it (kubectl rollout undo, kubectl set image). apply and restart skip the
     workload and the mutating webhook pins nothing in it, until the Image gets the annotation
     tagpilot.dev/release=<kind>/<name> (or all) or the rules pick a newer tag (docs/safe-updates.md).`,
    {
      kind: enumOf('Workload kind.', ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob']),
      name: str('Workload name.', { maxLength: 253 }),
      container: str('Container name.', { maxLength: 253 }),
      init: bool('An init container.'),
      reference: str('The reference the container runs (the one held).', { maxLength: 1024 }),
      from: str('status.tag when the hold began: the tag that was rolled back.', { maxLength: 128 }),
      by: str(
        'Who wrote the reference: the field manager that owns the image field (managedFields), when known.',
        { maxLength: 128 },
      ),
      since: str('When the reference was written (its field manager entry), else when the hold was seen.', {
        format: 'date-time',
      }),
    },
    ['kind', 'name', 'container', 'reference', 'since'],
  ),
);

export const holds = arr(
  'Workload containers rolled back by hand, held until released (the first 64).',
  holdEntry,
  { maxItems: 64 },
);
