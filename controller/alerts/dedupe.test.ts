import { describe, expect, it } from 'vitest';
import {
  claim,
  complete,
  decide,
  formatAlertState,
  parseAlertState,
  updateKey,
  type AlertState,
} from './dedupe.js';

const update = {
  namespace: 'prod',
  name: 'web',
  previousTag: 'v1.4.0',
  newTag: 'v1.5.0',
  digest: 'sha256:aa',
};
const now = new Date('2026-03-01T10:00:00Z');

describe('updateKey', () => {
  it('is stable for the same update and 32 hex digits', () => {
    expect(updateKey(update)).toBe(updateKey({ ...update }));
    expect(updateKey(update)).toMatch(/^[0-9a-f]{32}$/);
  });

  it.each([
    ['namespace', { namespace: 'staging' }],
    ['name', { name: 'api' }],
    ['previous tag', { previousTag: 'v1.3.0' }],
    ['new tag', { newTag: 'v1.5.1' }],
    ['digest (same tag, new digest)', { digest: 'sha256:bb' }],
    ['no previous tag', { previousTag: undefined }],
    ['event (the same move waiting for approval)', { event: 'ApprovalPending' as const }],
  ])('changes with the %s', (_n, change) => {
    expect(updateKey({ ...update, ...change })).not.toBe(updateKey(update));
  });

  it('keeps the key of an update whether or not it names the Updated event', () => {
    expect(updateKey({ ...update, event: 'Updated' })).toBe(updateKey(update));
  });

  it('does not confuse field boundaries', () => {
    expect(updateKey({ namespace: 'a', name: 'bc', newTag: 'x' })).not.toBe(
      updateKey({ namespace: 'ab', name: 'c', newTag: 'x' }),
    );
  });
});

describe('decide', () => {
  const key = updateKey(update);
  const claimedByA = claim(undefined, key, 'team', 'ctrl-a', now);
  const done = complete(claimedByA, key, 'team', 'ctrl-a', now, { sent: ['slack'], failed: ['email'] })!;

  it.each<
    [string, AlertState | undefined, string, string, ReturnType<typeof decide>['send'], string | undefined]
  >([
    ['no record: send', undefined, 'team', 'ctrl-a', true, undefined],
    [
      'record of an older update: send',
      claim(undefined, 'older', 'team', 'ctrl-a', now),
      'team',
      'ctrl-a',
      true,
      undefined,
    ],
    ['other AlertConfig of the same update: send', done, 'other', 'ctrl-a', true, undefined],
    ['done (repeated trigger): skip', done, 'team', 'ctrl-a', false, 'AlreadySent'],
    ['done, after a restart: skip', done, 'team', 'ctrl-b', false, 'AlreadySent'],
    ['claimed by us (repeat while sending): skip', claimedByA, 'team', 'ctrl-a', false, 'InProgress'],
    ['claimed by a dead instance: skip, unconfirmed', claimedByA, 'team', 'ctrl-b', false, 'Unconfirmed'],
  ])('%s', (_n, state, config, holder, send, reason) => {
    const d = decide(state, key, config, holder);
    expect(d.send).toBe(send);
    if (!d.send) expect(d.reason).toBe(reason);
  });

  it('keeps only the latest update in the record', () => {
    const newer = claim(done, 'newer', 'team', 'ctrl-a', now);
    expect(Object.keys(newer.configs)).toEqual(['team']);
    expect(newer.update).toBe('newer');
    // Completing the older update after a newer one claimed must not overwrite it.
    expect(complete(newer, key, 'team', 'ctrl-a', now, { sent: [], failed: [] })).toBeUndefined();
  });

  it('keeps the records of other AlertConfigs of the same update', () => {
    const two = claim(done, key, 'other', 'ctrl-a', now);
    expect(two.configs.team?.state).toBe('Done');
    expect(two.configs.other?.state).toBe('Claimed');
  });
});

describe('parseAlertState', () => {
  it('round-trips', () => {
    const s = claim(undefined, 'k', 'team', 'h', now);
    expect(parseAlertState(formatAlertState(s))).toEqual(s);
  });

  it.each([
    undefined,
    '',
    'not json',
    '{}',
    '{"v":2,"update":"k","configs":{}}',
    '{"v":1,"update":1,"configs":{}}',
    'null',
  ])('treats %j as no record', (value) => {
    expect(parseAlertState(value)).toBeUndefined();
  });
});
