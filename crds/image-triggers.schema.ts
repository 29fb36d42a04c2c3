// Schema source of spec.triggers of the Image kind (docs/triggers.md). Generated like the rest of the Image
// from crds/image.schema.ts.
import { cel, enumOf, named, obj, str, withRules } from './schema/builders.js';

export const TRIGGER_TYPES = ['crontab', 'webhook', 'manual'] as const;

export const trigger = named(
  'ImageTrigger',
  'When the registry is asked about an Image.',
  withRules<{ type?: string; value?: string; timezone?: string }>(
    obj(
      'A trigger.',
      {
        type: enumOf(
          `crontab: on a schedule (value). webhook: when a registry or CI webhook received by the
           controller names this repository. manual: only when annotated with
           tagpilot.dev/refresh (the annotation works for every Image; this type declares an Image that
           has no automatic trigger).`,
          TRIGGER_TYPES,
        ),
        value: str(
          `Schedule of a crontab trigger: 5 fields, or 6 with seconds first, a macro such as @hourly,
           or @every <duration> (e.g. @every 10m). Only crontab triggers take a value.`,
          { minLength: 1, maxLength: 128 },
        ),
        timezone: str(
          `IANA time zone the crontab schedule is read in, e.g. Europe/Paris. Default: UTC. Only
           crontab triggers take a time zone.`,
          { minLength: 1, maxLength: 64, pattern: '^[A-Za-z][-A-Za-z0-9_+]*(/[-A-Za-z0-9_+]+)*$' },
        ),
      },
      ['type'],
    ),
    cel({
      rule: "self.type != 'crontab' || has(self.value)",
      fieldPath: '.value',
      reason: 'FieldValueRequired',
      message: 'a crontab trigger needs a schedule in value, e.g. "0 */6 * * *" or "@every 10m"',
      check: (t) => t.type !== 'crontab' || t.value !== undefined,
    }),
    cel({
      rule: "self.type == 'crontab' || !has(self.value)",
      fieldPath: '.value',
      reason: 'FieldValueForbidden',
      message: 'only crontab triggers take a value',
      check: (t) => t.type === 'crontab' || t.value === undefined,
    }),
    cel({
      rule: "self.type == 'crontab' || !has(self.timezone)",
      fieldPath: '.timezone',
      reason: 'FieldValueForbidden',
      message: 'only crontab triggers take a timezone',
      check: (t) => t.type === 'crontab' || t.timezone === undefined,
    }),
  ),
);
