// Update windows and minTagAge in an evaluation, with the fake registry and apiserver of evaluate.fakes.
import { describe, expect, it } from 'vitest';
import { digestOf, setup } from './evaluate.fakes.js';

// The fakes' clock starts at 2026-01-01T00:00:00Z; this window opens daily at 02:00 UTC for an hour.
const windows = { updateWindows: [{ schedule: '0 2 * * *', duration: '1h' }] };
const OPENS = Date.parse('2026-01-01T02:00:00Z');

describe('update windows', () => {
  it('a decision outside the window waits in status.waiting, then runs when the window opens', async () => {
    const t = setup(windows);
    await t.run('new');
    t.registry.tags = ['v1.0.0', 'v1.1.0'];
    const first = await t.run('webhook');
    let s = t.images.image.status!;
    expect(s.tag).toBe('v1.0.0');
    expect(s.digest).toBe(digestOf('v1.0.0'));
    expect(s.waiting).toMatchObject({
      tag: 'v1.1.0',
      digest: digestOf('v1.1.0'),
      rule: 'semver-minor',
      since: '2026-01-01T00:00:00Z',
      opensAt: '2026-01-01T02:00:00Z',
    });
    expect(s.message).toMatch(/v1\.0\.0 → v1\.1\.0.*waiting for an update window.*2026-01-01T02:00:00Z/);
    expect(s.conditions?.find((c) => c.type === 'UpToDate')).toMatchObject({
      status: 'False',
      reason: 'WaitingForWindow',
    });
    expect(t.workloads.patched).toHaveLength(0);
    expect(t.events.filter((e) => e === 'WaitingForWindow')).toHaveLength(1);
    expect(t.events).not.toContain('NewTag');
    // Back when the window opens, not before.
    expect(first.requeueAfterMs).toBeGreaterThanOrEqual(OPENS - Date.parse('2026-01-01T00:00:00Z'));

    // The next tick outside the window: same decision, no new Event, no new write, same `since`.
    const writes = t.images.patches.length;
    t.now.at = new Date('2026-01-01T00:30:00Z');
    await t.run();
    expect(t.images.patches).toHaveLength(writes);
    expect(t.events.filter((e) => e === 'WaitingForWindow')).toHaveLength(1);

    // A newer decision replaces the waiting one.
    t.registry.tags = ['v1.0.0', 'v1.1.0', 'v1.2.0'];
    await t.run('webhook');
    s = t.images.image.status!;
    expect(s.waiting).toMatchObject({ tag: 'v1.2.0', since: '2026-01-01T00:30:00Z' });
    expect(s.tag).toBe('v1.0.0');
    expect(t.events.filter((e) => e === 'WaitingForWindow')).toHaveLength(2);

    // The window opens: the queue's wake-up applies it without another trigger.
    t.now.at = new Date(OPENS + 1_000);
    expect(await t.run('retry')).toEqual({});
    s = t.images.image.status!;
    expect(s).toMatchObject({ tag: 'v1.2.0', digest: digestOf('v1.2.0'), result: 'Success' });
    expect(s.waiting).toBeUndefined();
    expect(s.history?.[0]).toMatchObject({ tag: 'v1.2.0' });
    expect(t.workloads.patched).toHaveLength(1);
    expect(t.events).toContain('NewTag');
  });

  it('a manual-only Image with a waiting decision is evaluated on its wake-up', async () => {
    const t = setup({ ...windows, triggers: [{ type: 'manual' }] });
    t.registry.tags = ['v1.0.0', 'v1.1.0'];
    await t.run('manual');
    expect(t.images.image.status?.waiting?.tag).toBe('v1.1.0');
    t.now.at = new Date(OPENS + 1_000);
    await t.run('retry');
    expect(t.images.image.status).toMatchObject({ tag: 'v1.1.0' });
    expect(t.images.image.status?.waiting).toBeUndefined();
  });

  it('a waiting decision the rules no longer make is dropped', async () => {
    const t = setup(windows);
    t.registry.tags = ['v1.0.0', 'v1.1.0'];
    await t.run('new');
    expect(t.images.image.status?.waiting?.tag).toBe('v1.1.0');
    t.registry.tags = ['v1.0.0'];
    await t.run();
    expect(t.images.image.status?.waiting).toBeUndefined();
    expect(t.images.image.status?.message).toMatch(/^no update/);
    expect(t.workloads.patched).toHaveLength(0);
  });

  it('inside a window a change runs at once', async () => {
    const t = setup(windows);
    t.now.at = new Date(OPENS + 60_000);
    t.registry.tags = ['v1.0.0', 'v1.1.0'];
    await t.run('new');
    expect(t.images.image.status).toMatchObject({ tag: 'v1.1.0' });
    expect(t.images.image.status?.waiting).toBeUndefined();
    expect(t.workloads.patched).toHaveLength(1);
  });
});

describe('minTagAge', () => {
  it('skips a candidate built too recently, picks an older one, and comes back when the young one is of age', async () => {
    const t = setup({ minTagAge: '1h' });
    await t.run('new');
    t.registry.tags = ['v1.0.0', 'v1.1.0', 'v1.2.0'];
    t.registry.created = { 'v1.1.0': '2025-12-31T00:00:00Z', 'v1.2.0': '2025-12-31T23:30:00Z' };
    const result = await t.run();
    const s = t.images.image.status!;
    expect(s.tag).toBe('v1.1.0');
    expect(result.requeueAfterMs).toBeGreaterThanOrEqual(30 * 60_000);
    expect(result.requeueAfterMs).toBeLessThan(31 * 60_000);
    // Of age: the next evaluation takes it.
    t.now.at = new Date('2026-01-01T00:30:01Z');
    await t.run('retry');
    expect(t.images.image.status?.tag).toBe('v1.2.0');
  });

  it('says why nothing moved; without a build time counts from first sight, kept in status.firstSeen', async () => {
    const t = setup({ minTagAge: '2h' });
    await t.run('new');
    t.registry.tags = ['v1.0.0', 'v1.1.0'];
    // A reproducible build: no usable time.
    t.registry.created = { 'v1.1.0': '1970-01-01T00:00:00Z' };
    await t.run();
    let s = t.images.image.status!;
    expect(s.tag).toBe('v1.0.0');
    expect(s.message).toMatch(
      /younger than spec\.minTagAge 2h, skipped: v1\.1\.0 \(first seen less than 2h ago; old enough at 2026-01-01T02:00:00\.000Z\)/,
    );
    expect(s.firstSeen).toEqual([{ tag: 'v1.1.0', time: '2026-01-01T00:00:00Z' }]);
    // An hour later the first sight has not moved (it is read back from the status).
    t.now.at = new Date('2026-01-01T01:00:00Z');
    await t.run();
    expect(t.images.image.status?.firstSeen).toEqual([{ tag: 'v1.1.0', time: '2026-01-01T00:00:00Z' }]);
    expect(t.images.image.status?.tag).toBe('v1.0.0');
    t.now.at = new Date('2026-01-01T02:00:00Z');
    await t.run();
    s = t.images.image.status!;
    expect(s.tag).toBe('v1.1.0');
    // The Image runs it now: nothing to remember.
    expect(s.firstSeen).toBeUndefined();
  });
});
