import { describe, expect, it } from 'vitest';
import type { ImageStatus } from '../../crds/index.js';
import {
  HISTORY_LIMIT,
  appendHistory,
  appliedStatus,
  nextOwnedStatus,
  writeNeed,
  type CheckReport,
} from './status.js';

const t0 = new Date('2025-01-01T00:00:00Z');
const later = (ms: number) => new Date(t0.getTime() + ms);

const report = (over: Partial<CheckReport> = {}): CheckReport => ({
  result: 'Success',
  message: 'no tag is newer than "v1.0.0"',
  tag: 'v1.0.0',
  digest: 'sha256:aaa',
  upToDate: { status: 'True', reason: 'NoUpdate', message: 'the workloads run v1.0.0' },
  ...over,
});

function written(r: CheckReport, at = t0, previous?: ImageStatus, generation = 1): ImageStatus {
  const o = nextOwnedStatus(previous, r, generation, at);
  return {
    tag: o.tag,
    digest: o.digest,
    result: o.result,
    message: o.message,
    lastCheckTime: o.lastCheckTime,
    nextCheckTime: o.nextCheckTime,
    history: o.history,
    conditions: [o.upToDate],
  };
}

describe('appendHistory', () => {
  it('puts the newest first and keeps at most 10', () => {
    let h = appendHistory(undefined, { tag: 'v0', time: 't' });
    for (let i = 1; i <= 12; i++) h = appendHistory(h, { tag: `v${i}`, time: 't' });
    expect(h).toHaveLength(HISTORY_LIMIT);
    expect(h[0]!.tag).toBe('v12');
    expect(h.at(-1)!.tag).toBe('v3');
  });
});

describe('nextOwnedStatus', () => {
  it('records a change in history with the rule and time', () => {
    const s = nextOwnedStatus(
      { tag: 'v1.0.0', history: [{ tag: 'v1.0.0', time: 'old' }] },
      report({
        tag: 'v1.1.0',
        digest: 'sha256:bbb',
        change: { tag: 'v1.1.0', digest: 'sha256:bbb', rule: 'minor' },
      }),
      3,
      t0,
    );
    expect(s.history).toEqual([
      { tag: 'v1.1.0', digest: 'sha256:bbb', rule: 'minor', time: '2025-01-01T00:00:00Z' },
      { tag: 'v1.0.0', time: 'old' },
    ]);
    // status.observedGeneration is the operator's; the controller's generation is on its condition.
    expect(s).not.toHaveProperty('observedGeneration');
    expect(s.upToDate.observedGeneration).toBe(3);
  });

  it('keeps lastTransitionTime while the condition status stays, and moves it on a transition', () => {
    const first = written(report(), t0);
    const same = nextOwnedStatus(
      first,
      report({ upToDate: { status: 'True', reason: 'Applied', message: 'x' } }),
      1,
      later(60_000),
    );
    expect(same.upToDate.lastTransitionTime).toBe('2025-01-01T00:00:00Z');
    const flipped = nextOwnedStatus(
      first,
      report({ result: 'ActionError', upToDate: { status: 'False', reason: 'ActionFailed', message: 'y' } }),
      1,
      later(60_000),
    );
    expect(flipped.upToDate.lastTransitionTime).toBe('2025-01-01T00:01:00Z');
  });
});

describe('writeNeed', () => {
  const hour = 3_600_000;
  const prev = written(report({ nextCheckTime: later(60_000) }), t0);

  it.each<[string, Partial<CheckReport>, number, string]>([
    ['nothing changed, within the heartbeat', { nextCheckTime: later(120_000) }, 60_000, 'none'],
    ['nothing changed, heartbeat due', { nextCheckTime: later(2 * hour) }, hour, 'heartbeat'],
    ['a new tag', { tag: 'v1.1.0', nextCheckTime: later(1) }, 1, 'changed'],
    ['a new digest', { digest: 'sha256:ccc', nextCheckTime: later(1) }, 1, 'changed'],
    ['another result', { result: 'RegistryError', nextCheckTime: later(1) }, 1, 'changed'],
    ['another message', { message: 'different', nextCheckTime: later(1) }, 1, 'changed'],
    ['the schedule disappears', { nextCheckTime: undefined }, 1, 'changed'],
    [
      'the condition reason changes',
      {
        upToDate: { status: 'True', reason: 'Applied', message: 'the workloads run v1.0.0' },
        nextCheckTime: later(1),
      },
      1,
      'changed',
    ],
  ])('%s → %s', (_name, over, elapsed, expected) => {
    const now = later(elapsed);
    const next = nextOwnedStatus(prev, report(over), 1, now);
    expect(writeNeed(prev, next, now, hour)).toBe(expected);
  });

  it('a spec change (new generation) is a change', () => {
    const next = nextOwnedStatus(prev, report({ nextCheckTime: later(60_000) }), 2, later(1));
    expect(writeNeed(prev, next, later(1), 3_600_000)).toBe('changed');
  });

  it('a first status is always written; heartbeat 0 writes every check', () => {
    const next = nextOwnedStatus(undefined, report(), 1, t0);
    expect(writeNeed(undefined, next, t0, 3_600_000)).toBe('changed');
    const again = nextOwnedStatus(prev, report({ nextCheckTime: later(60_000) }), 1, later(1));
    expect(writeNeed(prev, again, later(1), 0)).toBe('heartbeat');
  });
});

describe('appliedStatus', () => {
  it('carries every owned field with a value and only UpToDate; cleared fields are left out, so apply removes them', () => {
    const previous: ImageStatus = {
      digest: 'sha256:old',
      observedGeneration: 1,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          lastTransitionTime: 'x',
          reason: 'Valid',
          message: 'by the operator',
        },
      ],
    };
    const owned = nextOwnedStatus(previous, report({ digest: undefined }), 1, t0);
    const applied = appliedStatus(owned);
    expect(applied).toEqual({
      tag: 'v1.0.0',
      result: 'Success',
      message: 'no tag is newer than "v1.0.0"',
      lastCheckTime: '2025-01-01T00:00:00Z',
      history: [],
      conditions: [owned.upToDate],
    });
    expect(applied.conditions?.map((c) => c.type)).toEqual(['UpToDate']);
  });

  it('always sends the complete owned status, also when only the check times changed', () => {
    const first = written(report({ nextCheckTime: later(60_000) }), t0);
    const applied = appliedStatus(
      nextOwnedStatus(first, report({ nextCheckTime: later(120_000) }), 1, later(1)),
    );
    expect(Object.keys(applied).sort()).toEqual(
      [
        'conditions',
        'digest',
        'history',
        'lastCheckTime',
        'message',
        'nextCheckTime',
        'result',
        'tag',
      ].sort(),
    );
  });
});
