import { describe, expect, it } from 'vitest';
import { RegistryAuthError, RegistryNetworkError } from '../registry/index.js';
import { REPO, digestOf, setup } from './evaluate.fakes.js';

describe('Evaluator', () => {
  it('first check: starts from spec.baseTag, records its digest, writes Success once', async () => {
    const t = setup();
    t.registry.tags = ['v1.0.0', 'v2.0.0'];
    expect(await t.run('new')).toEqual({});
    expect(t.images.image.status).toMatchObject({
      tag: 'v1.0.0',
      digest: digestOf('v1.0.0'),
      result: 'Success',
    });
    // The generation the check evaluated is on the controller's condition (status.observedGeneration is
    // the operator's).
    expect(t.images.image.status?.conditions?.[0]?.observedGeneration).toBe(1);
    expect(t.images.image.status?.message).toMatch(/^no update: no tag is newer than "v1.0.0"/);
    expect(t.images.image.status?.conditions?.[0]).toMatchObject({
      type: 'UpToDate',
      status: 'True',
      reason: 'NoUpdate',
    });
    expect(t.workloads.patched).toHaveLength(0);
    // Nothing new on the next tick: no write.
    await t.run();
    expect(t.images.patches).toHaveLength(1);
  });

  it('a new tag: apply runs, then one status write records tag, digest, history and what was done', async () => {
    const t = setup();
    await t.run('new');
    t.registry.tags = ['v1.0.0', 'v1.1.0', 'v2.0.0'];
    await t.run();
    const s = t.images.image.status!;
    expect(s).toMatchObject({ tag: 'v1.1.0', digest: digestOf('v1.1.0'), result: 'Success' });
    expect(s.history?.[0]).toMatchObject({ tag: 'v1.1.0', digest: digestOf('v1.1.0'), rule: 'semver-minor' });
    expect(s.message).toMatch(
      /^v1\.0\.0 → v1\.1\.0 \(rule "semver-minor"\).*apply: patched Deployment\/web \(container main\)/,
    );
    expect(s.conditions?.[0]).toMatchObject({ status: 'True', reason: 'Applied' });
    expect(t.workloads.patched).toHaveLength(1);
    expect(t.events).toEqual(expect.arrayContaining(['NewTag', 'ImageUpdated', 'Applied']));
    expect(t.images.patches).toHaveLength(2);
    // The next tick finds nothing newer: no write, the message still tells the change.
    await t.run();
    expect(t.images.patches).toHaveLength(2);
    expect(t.workloads.patched).toHaveLength(1);
  });

  it.each<[string, string, Error, RegExp, boolean]>([
    [
      'registry down',
      'RegistryError',
      new RegistryNetworkError('cannot reach registry r (ECONNREFUSED); check that it is up'),
      /cannot reach registry.*retries with backoff/,
      true,
    ],
    [
      'auth',
      'PullSecretsError',
      new RegistryAuthError('registry r rejected user "u"; check the image pull secret', { status: 401 }),
      /rejected user/,
      true,
    ],
  ])('%s → %s in status, the tag kept, retried', async (_name, result, err, message, retry) => {
    const t = setup();
    await t.run('new');
    t.registry.fail = err;
    expect(await t.run()).toMatchObject({ retry });
    const s = t.images.image.status!;
    expect(s.result).toBe(result);
    expect(s.message).toMatch(message);
    expect(s.tag).toBe('v1.0.0');
    // The UpToDate condition is not flipped by a failed check.
    expect(s.conditions?.[0]).toMatchObject({ status: 'True' });
    expect(t.events).toContain(result);
    // The same failure again writes nothing and records no new Event.
    const writes = t.images.patches.length;
    await t.run('retry');
    expect(t.images.patches).toHaveLength(writes);
    expect(t.events.filter((e) => e === result)).toHaveLength(1);
  });

  it('a bad rule is a RuleError naming the field, not retried', async () => {
    const t = setup({ rules: [{ type: 'regex', value: '(', actions: [{ type: 'apply' }] }] });
    expect(await t.run('new')).toEqual({});
    expect(t.images.image.status).toMatchObject({ result: 'RuleError' });
    expect(t.images.image.status?.message).toMatch(
      /^spec\.rules\[0\]\.value: invalid regular expression.*fix the rule/,
    );
  });

  it('an empty tag list is a TagsError; spec.image with a tag is an Error saying what to change', async () => {
    const t = setup();
    t.registry.tags = [];
    await t.run('new');
    expect(t.images.image.status).toMatchObject({ result: 'TagsError' });
    expect(t.images.image.status?.message).toMatch(/lists no tags for registry\.example\.com\/team\/web/);

    const u = setup({ image: `${REPO}:v1` });
    await u.run('new');
    expect(u.images.image.status).toMatchObject({ result: 'Error' });
    expect(u.images.image.status?.message).toMatch(/spec\.image.*repository only.*spec\.baseTag/);
    expect(u.registry.calls).toEqual([]);
  });

  it('skips candidates that lack a platform of spec.platforms', async () => {
    const t = setup({ platforms: ['linux/arm64'] });
    t.registry.tags = ['v1.0.0', 'v1.1.0', 'v1.2.0'];
    t.registry.platforms = { 'v1.2.0': ['linux/amd64'], 'v1.1.0': ['linux/amd64', 'linux/arm64'] };
    await t.run('new');
    expect(t.images.image.status?.tag).toBe('v1.1.0');
    expect(t.registry.calls).toEqual(expect.arrayContaining(['platforms v1.2.0', 'platforms v1.1.0']));
  });

  it('a failed action: ActionError keeps the decided tag, says which action failed, and a retry resumes there', async () => {
    const t = setup({
      rules: [{ type: 'semver-minor', actions: [{ type: 'restart' }, { type: 'apply' }] }],
    });
    await t.run('new');
    t.registry.tags = ['v1.0.0', 'v1.1.0'];
    t.workloads.failPatch = Object.assign(new Error('unavailable'), { code: 503 });
    expect(await t.run()).toEqual({ retry: true });
    const s = t.images.image.status!;
    expect(s).toMatchObject({ tag: 'v1.1.0', result: 'ActionError' });
    expect(s.message).toMatch(
      /status\.tag is v1\.1\.0, the decided tag, but action 2 failed: apply: FAILED Deployment\/web/,
    );
    expect(s.message).toMatch(/retries the failed action/);
    expect(s.conditions?.[0]).toMatchObject({ status: 'False', reason: 'ActionFailed' });
    expect(t.workloads.restarted).toEqual(['web']);

    t.workloads.failPatch = undefined;
    await t.run('retry');
    expect(t.images.image.status).toMatchObject({ tag: 'v1.1.0', result: 'Success' });
    expect(t.images.image.status?.message).toMatch(/^retried the actions for v1\.1\.0/);
    // The restart that had succeeded was not repeated; apply ran.
    expect(t.workloads.restarted).toEqual(['web']);
    expect(t.workloads.patched).toHaveLength(1);
  });

  it('a failure that is not retried keeps ActionError on quiet ticks; a refresh re-runs the actions', async () => {
    // No alert sender: the alert action cannot succeed, and retrying on its own would not help.
    const t = setup({
      rules: [
        {
          type: 'semver-minor',
          actions: [{ type: 'apply' }, { type: 'alert', alertConfigRef: { name: 'team' } }],
        },
      ],
    });
    await t.run('new');
    t.registry.tags = ['v1.0.0', 'v1.1.0'];
    expect(await t.run()).toEqual({});
    expect(t.images.image.status).toMatchObject({ tag: 'v1.1.0', result: 'ActionError' });
    expect(t.images.image.status?.message).toMatch(
      /action 2 failed: alert: not sent through AlertConfig team.*kubectl annotate image web -n ns tagpilot\.dev\/refresh=now/,
    );
    expect(t.events).toContain('AlertNotSent');
    const writes = t.images.patches.length;
    await t.run();
    expect(t.images.image.status?.result).toBe('ActionError');
    expect(t.images.patches).toHaveLength(writes);
    // A failed check in between does not lose it either.
    t.registry.fail = new RegistryNetworkError('cannot reach registry r');
    await t.run();
    expect(t.images.image.status?.result).toBe('RegistryError');
    t.registry.fail = undefined;
    await t.run('retry');
    expect(t.images.image.status?.result).toBe('ActionError');
    // The refresh resumes at the failed action (apply is not repeated) and fails the same way.
    t.images.image.metadata.annotations = { 'tagpilot.dev/refresh': 'now' };
    await t.run('manual');
    expect(t.workloads.patched).toHaveLength(1);
    expect(t.images.image.status?.message).toMatch(/^retried the actions for v1\.1\.0/);
  });

  it('dry-run decides and reports but writes nothing and touches no workload', async () => {
    const t = setup({}, { dryRun: true });
    t.images.image.metadata.annotations = { 'tagpilot.dev/refresh': 'now' };
    t.registry.tags = ['v1.0.0', 'v1.1.0'];
    await t.run('manual');
    expect(t.images.patches).toHaveLength(0);
    expect(t.images.metadataPatches).toHaveLength(0);
    expect(t.workloads.patched).toHaveLength(0);
    expect(t.results).toEqual(['Success']);
    expect(t.evaluator.refreshPending(t.images.image)).toBe(false);
  });

  it('a manual refresh reads the registry fresh and removes the annotation', async () => {
    const t = setup();
    t.images.image.metadata.annotations = { 'tagpilot.dev/refresh': 'now' };
    await t.run('manual');
    expect(t.registry.calls[0]).toBe('tags fresh');
    expect(t.images.metadataPatches[0]).toEqual([
      { op: 'test', path: '/metadata/annotations/tagpilot.dev~1refresh', value: 'now' },
      { op: 'remove', path: '/metadata/annotations/tagpilot.dev~1refresh' },
    ]);
  });

  it("a status write applies the complete owned status, keeps the operator's fields, and clears what is gone", async () => {
    const t = setup();
    t.images.image.status = {
      observedGeneration: 1,
      conditions: [
        { type: 'Ready', status: 'True', lastTransitionTime: 'x', reason: 'Valid', message: 'operator' },
      ],
    };
    await t.run('new');
    expect(t.images.patches).toHaveLength(1);
    const applied = t.images.patches[0]!;
    expect(applied).not.toHaveProperty('observedGeneration');
    expect(applied).toMatchObject({ tag: 'v1.0.0', result: 'Success', lastCheckTime: expect.any(String) });
    expect(t.images.image.status?.conditions?.map((c) => c.type)).toEqual(['Ready', 'UpToDate']);
    expect(t.images.image.status?.observedGeneration).toBe(1);
  });

  it('manual-only Images are not checked until asked: Scheduled once', async () => {
    const t = setup({ triggers: [{ type: 'manual' }] });
    await t.run('new');
    expect(t.images.image.status).toMatchObject({ result: 'Scheduled' });
    expect(t.registry.calls).toEqual([]);
    await t.run('spec');
    expect(t.images.patches).toHaveLength(1);
  });

  it('suspended Images are skipped entirely', async () => {
    const t = setup({ suspend: true });
    await t.run('cron');
    expect(t.registry.calls).toEqual([]);
    expect(t.images.patches).toHaveLength(0);
    expect(t.results).toEqual(['Skipped']);
  });

  it('pull secrets are read and passed as credentials (the digest rule records, then rolls)', async () => {
    const t = setup({
      imagePullSecrets: [{ name: 'creds' }],
      baseTag: 'latest',
      rules: [{ type: 'digest', actions: [{ type: 'apply' }] }],
    });
    t.registry.tags = ['latest'];
    t.workloads.deployment = {
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'ns' },
      spec: { template: { spec: { containers: [{ name: 'main', image: `${REPO}:latest` }] } } },
    };
    t.registry.digests.latest = digestOf('one');
    await t.run('new');
    expect(t.secretReads).toContain('ns/creds');
    // Every registry request carried the credentials of the pull secret.
    expect(t.registry.accesses.length).toBeGreaterThan(0);
    for (const access of t.registry.accesses) {
      expect(access.credentials).toMatchObject({ username: 'u', password: 'p' });
    }
    expect(t.images.image.status).toMatchObject({ tag: 'latest', digest: digestOf('one') });
    expect(t.workloads.patched).toHaveLength(0);
    t.registry.digests.latest = digestOf('two');
    await t.run();
    expect(t.images.image.status).toMatchObject({
      tag: 'latest',
      digest: digestOf('two'),
      result: 'Success',
    });
    expect(t.workloads.patched[0]).toContainEqual({
      op: 'replace',
      path: '/spec/template/spec/containers/0/image',
      value: `${REPO}:latest@${digestOf('two')}`,
    });
    expect(t.events).toContain('NewDigest');
  });
});
