// Schema source of the health gate's part of the Image kind (docs/safe-updates.md): spec.healthGate,
// status.rollout and status.rejected. Generated like the rest of the Image from crds/image.schema.ts.
import { arr, bool, enumOf, named, obj, str } from './schema/builders.js';
import { DIGEST } from './schema/shared.js';

const DURATION = '^([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?$';

export const healthGate = named(
  'HealthGate',
  'Follow the rollout after apply; roll back a tag that does not become healthy.',
  obj(
    `After apply, follow the rollout of every workload the apply patched; when it fails or does
     not become healthy within timeout, put the previous reference back and reject the tag
     (docs/safe-updates.md).`,
    {
      enabled: bool('Watch rollouts and roll back failed ones. Set false to opt out.', {
        default: true,
      }),
      timeout: str('How long a rollout may take to become healthy, e.g. 5m or 1h30m.', {
        default: '5m',
        pattern: DURATION,
        minLength: 2,
        maxLength: 32,
      }),
    },
  ),
);

const rolloutContainer = named(
  'ImageRolloutContainer',
  'One container reference apply changed.',
  obj(
    'One container reference apply changed.',
    {
      name: str('Container name.', { maxLength: 253 }),
      init: bool('An init container.'),
      from: str('The reference before apply (what a rollback puts back).', { maxLength: 1024 }),
      to: str('The reference apply wrote.', { maxLength: 1024 }),
    },
    ['name', 'from', 'to'],
  ),
);

const rolloutWorkload = named(
  'ImageRolloutWorkload',
  'A workload whose rollout is followed.',
  obj(
    'A workload whose rollout is followed.',
    {
      kind: enumOf('Workload kind.', ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob']),
      name: str('Workload name.', { maxLength: 253 }),
      containers: arr('The containers apply changed.', rolloutContainer, { maxItems: 64 }),
    },
    ['kind', 'name', 'containers'],
  ),
);

export const rollout = named(
  'ImageRollout',
  'The rollout being followed by the health gate.',
  obj(
    `The rollout the health gate follows (present only while it is followed): what apply changed and
     until when it may take. A restarted controller resumes from here.`,
    {
      tag: str('The tag being rolled out.', { maxLength: 128 }),
      digest: str('Its digest when known.', { maxLength: 256, pattern: DIGEST }),
      previousTag: str('The tag before it (status.tag after a rollback).', { maxLength: 128 }),
      previousDigest: str('Digest of previousTag when known.', { maxLength: 256, pattern: DIGEST }),
      rule: str('The rule that picked the tag.', { maxLength: 63 }),
      startTime: str('When apply patched the workloads.', { format: 'date-time' }),
      deadline: str('When the rollout is judged failed if not healthy.', { format: 'date-time' }),
      phase: enumOf('Watching the rollout, or rolling it back.', ['Watching', 'RollingBack']),
      reason: str('Why it is being rolled back.', { maxLength: 1024 }),
      workloads: arr('The workloads apply patched.', rolloutWorkload, { maxItems: 64 }),
    },
    ['tag', 'startTime', 'deadline', 'phase', 'workloads'],
  ),
);

export const rejectedEntry = named(
  'ImageRejectedTag',
  'A tag the health gate rolled back or a person rejected.',
  obj(
    'A tag the health gate rolled back or a person rejected; the rules never pick it again.',
    {
      tag: str('The rejected tag.', { maxLength: 128 }),
      digest: str('Its digest when known.', { maxLength: 256, pattern: DIGEST }),
      reason: str('Why it was rejected (the rollout failure, or who rejected it).', { maxLength: 1024 }),
      time: str('When it was rolled back.', { format: 'date-time' }),
    },
    ['tag', 'time'],
  ),
);
