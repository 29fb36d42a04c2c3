// newest-build through the Evaluator: build times from the registry, and tags a webhook named.
import { describe, expect, it } from 'vitest';
import { setup } from './evaluate.fakes.js';

const rules = [{ type: 'newest-build' as const, actions: [{ type: 'apply' as const }] }];
const at = (h: number) => `2026-11-28T0${h}:00:00Z`;

describe('newest-build in the Evaluator', () => {
  it('moves to the most recently built tag, whatever the names say', async () => {
    const t = setup({ baseTag: 'main-aaa', rules });
    t.registry.tags = ['main-aaa', 'main-zzz', 'main-bbb', 'main-ccc'];
    t.registry.created = { 'main-aaa': at(1), 'main-zzz': at(2), 'main-bbb': at(4), 'main-ccc': at(3) };
    await t.run('new');
    expect(t.images.image.status).toMatchObject({ tag: 'main-bbb', result: 'Success' });
    expect(t.images.image.status?.history?.[0]).toMatchObject({ tag: 'main-bbb', rule: 'newest-build' });
  });

  it('a webhook-named tag the listing does not show yet is verified and considered', async () => {
    const t = setup({ baseTag: 'main-aaa', rules });
    t.registry.tags = ['main-aaa'];
    t.registry.created = { 'main-aaa': at(1), 'main-new': at(5) };
    t.registry.unlisted = ['main-new'];
    await t.run('new');
    expect(t.images.image.status?.tag).toBe('main-aaa');
    t.evaluator.notePushed('ns/web', ['main-new']);
    await t.run('webhook');
    expect(t.images.image.status?.tag).toBe('main-new');
    expect(t.registry.calls).toContain('digest main-new');
  });

  it('a named tag the registry does not have changes nothing', async () => {
    const t = setup({ baseTag: 'main-aaa', rules });
    t.registry.tags = ['main-aaa'];
    t.registry.created = { 'main-aaa': at(1) };
    await t.run('new');
    t.evaluator.notePushed('ns/web', ['main-ghost']);
    expect(await t.run('webhook')).toEqual({ requeueAfterMs: 2_000 });
    expect(t.images.image.status).toMatchObject({ tag: 'main-aaa', result: 'Success' });
    // Looked for a few more times, then given up: the re-queues stop.
    const looks = [];
    for (let i = 0; i < 5; i++) looks.push(await t.run('retry'));
    expect(looks).toEqual([{ requeueAfterMs: 2_000 }, { requeueAfterMs: 2_000 }, {}, {}, {}]);
    expect(t.registry.calls.filter((c) => c === 'digest main-ghost')).toHaveLength(4);
    expect(t.images.image.status).toMatchObject({ tag: 'main-aaa', result: 'Success' });
  });

  it('a named tag the registry announced before it answers is found on the next look', async () => {
    const t = setup({ baseTag: 'main-aaa', rules });
    t.registry.tags = ['main-aaa'];
    t.registry.created = { 'main-aaa': at(1), 'main-new': at(5) };
    await t.run('new');
    // Distribution notifies when the manifest is stored, before the tag answers.
    t.evaluator.notePushed('ns/web', ['main-new']);
    expect(await t.run('webhook')).toEqual({ requeueAfterMs: 2_000 });
    expect(t.images.image.status?.tag).toBe('main-aaa');
    t.registry.unlisted = ['main-new'];
    await t.run('retry');
    expect(t.images.image.status?.tag).toBe('main-new');
  });
});
