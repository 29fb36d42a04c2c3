// Schema source of "when to act" (docs/safe-updates.md): spec.updateWindows, spec.minTagAge,
// status.waiting and status.firstSeen. Generated like the rest of the Image from crds/image.schema.ts.
import { arr, named, obj, str } from './schema/builders.js';
import { DIGEST } from './schema/shared.js';

const DURATION = '^([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?$';

const updateWindow = named(
  'ImageUpdateWindow',
  'A recurring period in which actions may run.',
  obj(
    `A recurring period in which actions may run: it opens at every start of schedule and stays
     open for duration.`,
    {
      schedule: str(
        `When the window opens: 5 cron fields (minute hour day-of-month month day-of-week), 6 with
         seconds first, or a macro such as @daily, read in timezone. E.g. "0 22 * * 1-5" opens on
         weekdays at 22:00.`,
        { minLength: 1, maxLength: 128 },
      ),
      duration: str('How long the window stays open after each start, e.g. 2h or 1h30m (at most 31d).', {
        minLength: 2,
        maxLength: 32,
        pattern: DURATION,
      }),
      timezone: str('IANA time zone the schedule is read in, e.g. Europe/Paris. Default: UTC.', {
        minLength: 1,
        maxLength: 64,
        pattern: '^[A-Za-z][-A-Za-z0-9_+]*(/[-A-Za-z0-9_+]+)*$',
      }),
    },
    ['schedule', 'duration'],
  ),
);

const updateWindows = arr(
  `When actions may run. Decisions are made on every trigger; the actions of a new decision run only
   while one of these windows is open, else the decision waits in status.waiting and its actions run
   when the next window opens. Empty: any time.`,
  updateWindow,
  { maxItems: 16 },
);

const minTagAge = str(
  `A candidate tag must have been built (the image config's created time) at least this long ago, or,
   when the build time is unknown, first seen by the controller that long ago (status.firstSeen).
   Younger candidates are skipped until they come of age. E.g. 1h or 3d.`,
  { minLength: 2, maxLength: 32, pattern: DURATION },
);

const waiting = named(
  'ImageWaiting',
  'A decided change waiting for an update window.',
  obj(
    `A decided change whose actions wait for the next update window (present only while it waits).
     status.tag stays the tag the workloads should run until the actions ran.`,
    {
      tag: str('The decided tag.', { maxLength: 128 }),
      digest: str('Its digest when known.', { maxLength: 256, pattern: DIGEST }),
      rule: str('The rule that picked it.', { maxLength: 63 }),
      since: str('When it was first decided.', { format: 'date-time' }),
      opensAt: str('When the next update window opens and the actions run.', { format: 'date-time' }),
    },
    ['tag', 'since', 'opensAt'],
  ),
);

const firstSeenEntry = named(
  'ImageFirstSeen',
  'When the controller first saw a candidate tag whose build time is unknown.',
  obj(
    'When the controller first saw a candidate tag whose build time is unknown (for spec.minTagAge).',
    {
      tag: str('The tag.', { maxLength: 128 }),
      digest: str('The digest seen behind it, for the digest rule (a new digest is a new candidate).', {
        maxLength: 256,
        pattern: DIGEST,
      }),
      time: str('When it was first seen as a candidate.', { format: 'date-time' }),
    },
    ['tag', 'time'],
  ),
);

/** The spec fields of this part, spread into ImageSpec. */
export const windowsSpec = { updateWindows, minTagAge };

/** The status fields of this part, spread into ImageStatus. */
export const windowsStatus = {
  waiting,
  firstSeen: arr(
    'Candidate tags without a build time and when they were first seen (for spec.minTagAge), at most 32.',
    firstSeenEntry,
    { maxItems: 32 },
  ),
};
