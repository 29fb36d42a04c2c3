import { describe, expect, it } from 'vitest';
import {
  MAX_MESSAGE,
  clipMessage,
  conditionTime,
  findCondition,
  sameCondition,
  setCondition,
} from './conditions.js';

const t0 = new Date('2030-01-01T00:00:00.456Z');
const t1 = new Date('2030-01-02T00:00:00Z');
const desired = { type: 'UpToDate', status: 'True' as const, reason: 'NoUpdate', message: 'nothing newer' };

describe('condition helpers', () => {
  it('setCondition keeps lastTransitionTime while the status stays and moves it on a change', () => {
    const first = setCondition(undefined, desired, 1, t0);
    expect(first).toEqual({ ...desired, observedGeneration: 1, lastTransitionTime: '2030-01-01T00:00:00Z' });
    expect(setCondition(first, { ...desired, reason: 'Applied' }, 2, t1).lastTransitionTime).toBe(
      '2030-01-01T00:00:00Z',
    );
    expect(setCondition(first, { ...desired, status: 'False' }, 1, t1).lastTransitionTime).toBe(
      '2030-01-02T00:00:00Z',
    );
  });

  it('sameCondition ignores lastTransitionTime only', () => {
    const a = setCondition(undefined, desired, 1, t0);
    expect(sameCondition(a, { ...a, lastTransitionTime: 'other' })).toBe(true);
    expect(sameCondition(a, { ...a, message: 'other' })).toBe(false);
    expect(sameCondition(a, { ...a, observedGeneration: 2 })).toBe(false);
    expect(sameCondition(undefined, a)).toBe(false);
  });

  it('one message limit: messages are clipped to MAX_MESSAGE with an ellipsis', () => {
    const long = 'x'.repeat(MAX_MESSAGE + 10);
    expect(clipMessage(long)).toHaveLength(MAX_MESSAGE);
    expect(clipMessage(long).endsWith('…')).toBe(true);
    expect(clipMessage('short')).toBe('short');
    expect(setCondition(undefined, { ...desired, message: long }, 1, t0).message).toHaveLength(MAX_MESSAGE);
  });

  it('findCondition finds by type', () => {
    const a = setCondition(undefined, desired, 1, t0);
    expect(findCondition([a], 'UpToDate')).toBe(a);
    expect(findCondition([a], 'Ready')).toBeUndefined();
    expect(findCondition(undefined, 'Ready')).toBeUndefined();
  });
});

describe('conditionTime', () => {
  it.each([
    ['2026-11-28T18:30:05.123Z', '2026-11-28T18:30:05Z'],
    ['1999-01-01T00:00:00.000Z', '1999-01-01T00:00:00Z'],
    ['+010000-01-01T00:00:00.999Z', '+010000-01-01T00:00:00Z'],
  ])('drops the milliseconds of %s', (iso, want) => {
    expect(conditionTime(new Date(iso))).toBe(want);
  });
});
