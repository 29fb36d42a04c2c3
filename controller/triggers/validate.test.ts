import { describe, expect, it } from 'vitest';
import { REFRESH_ANNOTATION, refreshRemovalPatch, refreshRequested } from './refresh.js';
import { validateTrigger, validateTriggers } from './validate.js';

describe('validateTrigger', () => {
  it.each([
    [{ type: 'crontab', value: '0 */6 * * *' }, []],
    [{ type: 'crontab', value: '@every 10m' }, []],
    [{ type: 'crontab', value: '0 3 * * *', timezone: 'Europe/Paris' }, []],
    [{ type: 'webhook' }, []],
    [{ type: 'manual' }, []],
    // Missing or forbidden fields are the schema's job; not reported twice.
    [{ type: 'crontab' }, []],
    [{ type: 'crontab', value: '0 0 * *' }, [{ field: 'spec.triggers[2].value', message: /has 4 field/ }]],
    [
      { type: 'crontab', value: '0 3 * * *', timezone: 'Europe/Pariss' },
      [{ field: 'spec.triggers[2].timezone', message: /unknown time zone "Europe\/Pariss"/ }],
    ],
    // A valid zone on an interval changes nothing and is accepted; an unknown one is still an error.
    [{ type: 'crontab', value: '@every 1m', timezone: 'UTC' }, []],
    [
      { type: 'crontab', value: '@every 1m', timezone: 'Mars/Base' },
      [{ field: 'spec.triggers[2].timezone', message: /unknown time zone "Mars\/Base"/ }],
    ],
  ])('%j', (trigger, expected) => {
    const errors = validateTrigger(trigger, 2);
    expect(errors).toHaveLength(expected.length);
    expected.forEach((e, i) => {
      expect(errors[i]?.field).toBe(e.field);
      expect(errors[i]?.message).toMatch(e.message);
    });
  });

  it('validates a list with the index of each trigger', () => {
    expect(
      validateTriggers([
        { type: 'webhook' },
        { type: 'crontab', value: '@every 1s' },
        { type: 'crontab', value: 'x' },
      ]).map((e) => e.field),
    ).toEqual(['spec.triggers[1].value', 'spec.triggers[2].value']);
  });
});

describe('refresh annotation', () => {
  const image = (annotations?: Record<string, string>) => ({ metadata: { name: 'web', annotations } });

  it.each([
    [undefined, false],
    [{}, false],
    [{ [REFRESH_ANNOTATION]: '' }, false],
    [{ [REFRESH_ANNOTATION]: '  ' }, false],
    [{ 'tagpilot.dev/other': 'now' }, false],
    [{ [REFRESH_ANNOTATION]: 'now' }, true],
    [{ [REFRESH_ANNOTATION]: '2025-01-01T00:00:00Z' }, true],
  ])('%j → %s', (annotations, expected) => {
    expect(refreshRequested(image(annotations))).toBe(expected);
  });

  it('is named tagpilot.dev/refresh', () => {
    expect(REFRESH_ANNOTATION).toBe('tagpilot.dev/refresh');
    expect(refreshRequested({})).toBe(false);
  });

  it('removes the annotation only while it still holds the value that was acted on', () => {
    expect(refreshRemovalPatch('now')).toEqual([
      { op: 'test', path: '/metadata/annotations/tagpilot.dev~1refresh', value: 'now' },
      { op: 'remove', path: '/metadata/annotations/tagpilot.dev~1refresh' },
    ]);
  });
});
