import { describe, expect, it } from 'vitest';
import type { ImageSpec } from '../../crds/index.js';
import { digestOf, setup } from './evaluate.fakes.js';

const approving: Partial<ImageSpec> = {
  approval: { required: true },
  rules: [
    {
      name: 'minor',
      type: 'semver-minor',
      actions: [{ type: 'apply' }, { type: 'alert', alertConfigRef: { name: 'team' } }],
    },
  ],
};

/** An Image at v1.0.0 that requires approval, with v1.1.0 waiting. */
async function waiting() {
  const t = setup(approving, { alert: true });
  await t.run('new');
  t.registry.tags = ['v1.0.0', 'v1.1.0'];
  await t.run();
  return t;
}

function answer(t: ReturnType<typeof setup>, annotations: Record<string, string>) {
  t.images.image = { ...t.images.image, metadata: { ...t.images.image.metadata, annotations } };
  return t.run('approval');
}

describe('approvals', () => {
  it('a new tag waits in status.pending: nothing applied, status.tag kept, one Event and one alert with the commands', async () => {
    const t = await waiting();
    const s = t.images.image.status!;
    expect(s.tag).toBe('v1.0.0');
    expect(s.digest).toBe(digestOf('v1.0.0'));
    expect(s.pending).toMatchObject({
      tag: 'v1.1.0',
      digest: digestOf('v1.1.0'),
      previousTag: 'v1.0.0',
      rule: 'minor',
      since: '2026-01-01T00:00:00Z',
    });
    expect(s.result).toBe('Success');
    expect(s.message).toContain('v1.1.0 waits for approval');
    expect(s.message).toContain('kubectl annotate image -n ns web tagpilot.dev/approve=v1.1.0');
    expect(s.conditions?.find((c) => c.type === 'UpToDate')).toMatchObject({
      status: 'False',
      reason: 'ApprovalPending',
    });
    expect(t.workloads.patched).toHaveLength(0);
    expect(t.events.filter((e) => e === 'ApprovalPending')).toHaveLength(1);
    expect(t.alerts).toHaveLength(1);
    expect(t.alerts[0]!.change).toMatchObject({
      event: 'ApprovalPending',
      previousTag: 'v1.0.0',
      tag: 'v1.1.0',
    });
    expect(t.alerts[0]!.change.rule).toBe('minor');
    expect(t.alerts[0]!.change.reason).toContain('tagpilot approve web -n ns --tag v1.1.0');
    expect(t.alerts[0]!.change.reason).toContain(
      'kubectl annotate image -n ns web tagpilot.dev/reject=v1.1.0',
    );

    // The next ticks decide the same tag: no write, no Event, no alert.
    const writes = t.images.patches.length;
    await t.run();
    await t.run();
    expect(t.images.patches).toHaveLength(writes);
    expect(t.events.filter((e) => e === 'ApprovalPending')).toHaveLength(1);
    expect(t.alerts).toHaveLength(1);
  });

  it('approved by annotation: exactly that tag and digest applied, pending cleared, the annotation removed', async () => {
    const t = await waiting();
    expect(await answer(t, { 'tagpilot.dev/approve': 'v1.1.0' })).toEqual({});
    const s = t.images.image.status!;
    expect(s).toMatchObject({ tag: 'v1.1.0', digest: digestOf('v1.1.0'), result: 'Success' });
    expect(s.pending).toBeUndefined();
    expect(s.history?.[0]).toMatchObject({ tag: 'v1.1.0', rule: 'minor' });
    expect(s.conditions?.find((c) => c.type === 'UpToDate')).toMatchObject({ status: 'True' });
    expect(t.workloads.patched).toHaveLength(1);
    expect(t.images.image.metadata.annotations).toEqual({});
    expect(t.eventLines.find((e) => e.startsWith('Approved:'))).toMatch(
      /^Approved: v1\.1\.0 approved \(tagpilot\.dev\/approve=v1\.1\.0 set by an unknown client\)/,
    );
    // The update alert is another alert than the pending one.
    expect(t.alerts.map((a) => a.change.event)).toEqual(['ApprovalPending', undefined]);
    // Nothing waits any more; the next tick is quiet.
    await t.run();
    expect(t.workloads.patched).toHaveLength(1);
  });

  it('rejected: never applied, recorded in status.rejected, not proposed again', async () => {
    const t = await waiting();
    await answer(t, { 'tagpilot.dev/reject': 'v1.1.0' });
    const s = t.images.image.status!;
    expect(s.tag).toBe('v1.0.0');
    expect(s.pending).toBeUndefined();
    expect(s.rejected?.[0]).toMatchObject({ tag: 'v1.1.0', digest: digestOf('v1.1.0') });
    expect(s.rejected?.[0]?.reason).toMatch(/^rejected by /);
    expect(s.message).toMatch(/^v1\.1\.0 was rejected by .*not applied/);
    expect(t.events).toContain('Rejected');
    expect(t.images.image.metadata.annotations).toEqual({});
    await t.run();
    await t.run();
    expect(t.images.image.status?.pending).toBeUndefined();
    expect(t.workloads.patched).toHaveLength(0);
    expect(t.alerts).toHaveLength(1);
  });

  it('superseded by a newer tag: says so, alerts again, and approving the old tag applies nothing', async () => {
    const t = await waiting();
    t.registry.tags = ['v1.0.0', 'v1.1.0', 'v1.2.0'];
    await t.run();
    const s = t.images.image.status!;
    expect(s.pending).toMatchObject({ tag: 'v1.2.0', superseded: ['v1.1.0'] });
    expect(t.eventLines).toContain('ApprovalSuperseded: v1.1.0 superseded by v1.2.0');
    expect(t.alerts.map((a) => a.change.tag)).toEqual(['v1.1.0', 'v1.2.0']);

    await answer(t, { 'tagpilot.dev/approve': 'v1.1.0' });
    expect(t.workloads.patched).toHaveLength(0);
    expect(t.images.image.status?.pending?.tag).toBe('v1.2.0');
    expect(t.eventLines.at(-1)).toMatch(
      /^ApprovalIgnored: approve v1\.1\.0: v1\.1\.0 was superseded by v1\.2\.0, which waits for approval now; nothing was done/,
    );
    expect(t.images.image.metadata.annotations).toEqual({});
  });

  it.each([
    ['another tag', { 'tagpilot.dev/approve': 'v9.0.0' }, /v1\.1\.0 waits for approval, not v9\.0\.0/],
    [
      'approve and reject at once: the reject wins',
      { 'tagpilot.dev/approve': 'v1.1.0', 'tagpilot.dev/reject': 'v1.1.0' },
      /tagpilot\.dev\/approve=v1\.1\.0 ignored: tagpilot\.dev\/reject was set at the same time/,
    ],
  ])('%s', async (_what, annotations, warning) => {
    const t = await waiting();
    await answer(t, annotations);
    expect(t.workloads.patched).toHaveLength(0);
    expect(t.eventLines.filter((e) => e.startsWith('ApprovalIgnored')).join('\n')).toMatch(warning);
    expect(t.images.image.metadata.annotations).toEqual({});
  });

  it('an answer when nothing waits changes nothing but says so', async () => {
    const t = setup(approving, { alert: true });
    await t.run('new');
    await answer(t, { 'tagpilot.dev/approve': 'v1.1.0' });
    expect(t.eventLines.at(-1)).toMatch(/^ApprovalIgnored: approve v1\.1\.0: nothing waits for approval/);
    expect(t.images.image.metadata.annotations).toEqual({});
  });

  it('a waiting tag that vanished from the registry waits no more', async () => {
    const t = await waiting();
    t.registry.tags = ['v1.0.0'];
    await t.run();
    const s = t.images.image.status!;
    expect(s.pending).toBeUndefined();
    expect(s.message).toMatch(/^v1\.1\.0 no longer waits for approval: /);
    expect(s.conditions?.find((c) => c.type === 'UpToDate')).toMatchObject({ status: 'True' });
    expect(t.events).toContain('ApprovalWithdrawn');
  });

  it('approval turned off: the waiting tag is applied like any change', async () => {
    const t = await waiting();
    t.images.image = { ...t.images.image, spec: { ...t.images.image.spec, approval: { required: false } } };
    await t.run('spec');
    expect(t.images.image.status).toMatchObject({ tag: 'v1.1.0' });
    expect(t.images.image.status?.pending).toBeUndefined();
    expect(t.workloads.patched).toHaveLength(1);
  });
});
