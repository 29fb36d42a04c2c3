import { describe, expect, it } from 'vitest';
import type { ImageResult, ImageStatus } from '../../crds/index.js';
import { updateKey } from '../alerts/dedupe.js';
import { failureTransition } from './failure-alerts.js';

const at = (result: ImageResult | undefined, lastCheckTime = '2026-03-01T10:00:00Z'): ImageStatus => ({
  ...(result ? { result } : {}),
  lastCheckTime,
});

describe('failureTransition', () => {
  it.each<[string, ImageStatus | undefined, ImageResult, 'Failed' | 'Recovered' | undefined]>([
    ['first check fails', undefined, 'RegistryError', 'Failed'],
    ['first check succeeds', undefined, 'Success', undefined],
    ['a good Image starts failing', at('Success'), 'RegistryError', 'Failed'],
    ['credentials refused', at('Success'), 'PullSecretsError', 'Failed'],
    ['a rule cannot run', at('Success'), 'RuleError', 'Failed'],
    ['an action failed', at('Success'), 'ActionError', 'Failed'],
    ['after a rollback, the registry fails', at('RolledBack'), 'TagsError', 'Failed'],
    ['still failing, same result', at('RegistryError'), 'RegistryError', undefined],
    ['still failing, another result', at('RegistryError'), 'TagsError', undefined],
    ['works again', at('RegistryError'), 'Success', 'Recovered'],
    ['works again, the rollback still the news', at('TagsError'), 'RolledBack', 'Recovered'],
    ['an action that failed succeeds on retry', at('ActionError'), 'Success', 'Recovered'],
    ['manual-only Image waits', at('Scheduled'), 'Scheduled', undefined],
    ['quiet ticks', at('Success'), 'Success', undefined],
  ])('%s', (_name, previous, next, event) => {
    expect(failureTransition(previous, next)?.event).toBe(event);
  });

  it('names the episode by the last check before the transition', () => {
    expect(failureTransition(at('Success', '2026-03-01T09:00:00Z'), 'RegistryError')).toEqual({
      event: 'Failed',
      episode: '2026-03-01T09:00:00Z',
    });
    expect(failureTransition(undefined, 'RegistryError')).toEqual({ event: 'Failed', episode: '' });
  });
});

describe('episode identity in the alert record', () => {
  const base = { namespace: 'prod', name: 'web', newTag: 'v1.0.0' };
  const failed = (episode: string) => updateKey({ ...base, event: 'Failed', episode });

  it('one failure seen by two controllers (or before and after a restart) is one key', () => {
    const a = failureTransition(at('Success', '2026-03-01T09:00:00Z'), 'RegistryError')!;
    const b = failureTransition(at('Success', '2026-03-01T09:00:00Z'), 'TagsError')!;
    expect(failed(a.episode)).toBe(failed(b.episode));
  });

  it('a failure after a recovery is a new episode, and Failed and Recovered differ', () => {
    expect(failed('2026-03-01T09:00:00Z')).not.toBe(failed('2026-03-01T11:00:00Z'));
    expect(failed('2026-03-01T09:00:00Z')).not.toBe(
      updateKey({ ...base, event: 'Recovered', episode: '2026-03-01T09:00:00Z' }),
    );
  });

  it('an update keeps the key it had before events existed', () => {
    expect(updateKey({ ...base, event: 'Updated' })).toBe(updateKey(base));
    expect(updateKey({ ...base, event: 'RolledBack' })).not.toBe(updateKey(base));
  });
});
