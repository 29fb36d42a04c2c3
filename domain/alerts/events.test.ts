import { describe, expect, it } from 'vitest';
import { ALERT_EVENTS, wantsEvent, wireEventName, type AlertEvent } from './events.js';

describe('wantsEvent (the spec.events filter)', () => {
  it.each<[string, AlertEvent[] | undefined, AlertEvent | undefined, boolean]>([
    ['no spec.events: an update', undefined, undefined, true],
    ['no spec.events: a failure', undefined, 'Failed', true],
    ['no spec.events: a rollback', undefined, 'RolledBack', true],
    ['listed', ['Failed', 'Recovered'], 'Failed', true],
    ['not listed', ['Failed', 'Recovered'], 'RolledBack', false],
    ['an event-less alert is an update: listed', ['Updated'], undefined, true],
    ['an event-less alert is an update: not listed', ['Failed'], undefined, false],
    ['only updates: no failure', ['Updated'], 'Failed', false],
    ['only updates: no recovery', ['Updated'], 'Recovered', false],
  ])('%s', (_name, events, event, expected) => {
    expect(wantsEvent(events ? { events } : {}, event)).toBe(expected);
  });

  it('every event can be chosen on its own', () => {
    for (const e of ALERT_EVENTS) {
      expect(wantsEvent({ events: [e] }, e)).toBe(true);
      expect(ALERT_EVENTS.filter((o) => o !== e).some((o) => wantsEvent({ events: [e] }, o))).toBe(false);
    }
  });
});

describe('wireEventName', () => {
  it.each<[AlertEvent | undefined, string]>([
    [undefined, 'image.updated'],
    ['Updated', 'image.updated'],
    ['Failed', 'image.failed'],
    ['Recovered', 'image.recovered'],
    ['RolledBack', 'image.rolledBack'],
    ['ApprovalPending', 'image.approvalPending'],
    ['Held', 'image.held'],
  ])('%s → %s', (event, wire) => {
    expect(wireEventName(event)).toBe(wire);
  });
});
