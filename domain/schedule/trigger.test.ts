import { describe, expect, it } from 'vitest';
import { validateTrigger, validateTriggers } from './trigger.js';

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
