// Approvals end to end (docs/safe-updates.md#approvals): the real apiserver, registry and
// kube-controller-manager, a real HTTP peer for the alerts, kubectl for the annotation and the `tagpilot`
// CLI binary as users run it. A new tag waits in status.pending and in an alert that names the commands;
// a newer tag supersedes it; approved by annotation it is applied; rejected by the CLI it never is.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Controller } from '../../controller/main.js';
import { startHttpPeer, type HttpPeer } from '../integration/alerts/peers.js';
import { Cluster, imageSpec } from '../integration/controller/support.js';
import { createAlertConfig } from '../integration/operator/support.js';
import { tagpilot } from '../testenv/cli.js';
import { pushImage } from '../testenv/images.js';
import { adminKubeConfig, createTestNamespace } from '../testenv/kube.js';
import { fastController, startTestController } from '../testenv/programs.js';
import { kubectl } from '../testenv/tools.js';
import { waitFor } from '../testenv/wait.js';

const env = inject('testenv');
const anon = env.registries.anonymous;
const cluster = new Cluster(env);
const uid = () => randomBytes(3).toString('hex');

let hook: HttpPeer;
let controller: Controller;
let ns: string;

beforeAll(async () => {
  hook = await startHttpPeer();
  ns = await createTestNamespace(env, 'approval');
  controller = await startTestController(env, {
    logName: 'approval',
    namespaces: [ns],
    ops: false,
    ...fastController,
  });
});

afterAll(async () => {
  await controller?.stop();
  await hook?.close();
});

const cli = (args: string[]) => tagpilot(args, env.kubeconfig);

interface AlertDoc {
  alertEvent?: string;
  reason?: string | null;
  image?: { name?: string; previousTag?: string | null; newTag?: string; rule?: string };
  body?: string;
}

/** Alert documents the webhook peer received for Image `name`. */
const alerts = (name: string) =>
  hook.requests.map((r) => r.json as AlertDoc).filter((d) => d?.image?.name === name);
const waitingAlerts = (name: string, tag: string) =>
  alerts(name).filter((d) => d.image?.newTag === tag && d.alertEvent === 'ApprovalPending');

/** `reason: message` of the Events on Image `name`. */
async function events(name: string): Promise<string[]> {
  const list = await cluster.core.listNamespacedEvent({
    namespace: ns,
    fieldSelector: `involvedObject.kind=Image,involvedObject.name=${name}`,
  });
  return list.items.map((e) => `${e.reason}: ${e.message}`);
}

/** The first Event on Image `name` whose `Reason: message` starts with `prefix`, once it is there (the
 * controller records an Event after the status write that a test waits for). */
async function eventStarting(name: string, prefix: string): Promise<string> {
  let found: string | undefined;
  await waitFor(`the ${prefix} Event`, async () => {
    found = (await events(name)).find((e) => e.startsWith(prefix));
    return found !== undefined;
  });
  return found!;
}
const count = async (name: string, reason: string) =>
  (await events(name)).filter((e) => e.startsWith(`${reason}:`)).length;

async function setUp(name: string) {
  const repo = `approval-${uid()}/${name}`;
  const ref = `${anon.host}/${repo}`;
  await pushImage(anon, repo, '1.0.0');
  await cluster.createDeployment(ns, name, `${ref}:1.0.0`);
  await createAlertConfig(adminKubeConfig(env), {
    apiVersion: 'tagpilot.dev/v1alpha1',
    kind: 'AlertConfig',
    metadata: { name: `${name}-hook`, namespace: ns },
    spec: { webhook: { url: hook.url(`/${name}`) } },
  });
  await cluster.createImage(
    ns,
    name,
    imageSpec(anon, repo, {
      baseTag: '1.0.0',
      actions: [{ type: 'apply' }, { type: 'alert', alertConfigRef: { name: `${name}-hook` } }],
      approval: { required: true },
    }),
  );
  await cluster.waitForStatus(ns, name, 'first check', (s) => s.result === 'Success' && s.tag === '1.0.0');
  return { repo, ref };
}

describe('approvals', () => {
  it('pending in status and alert, superseded, approved by annotation → applied', async () => {
    const { repo, ref } = await setUp('web');
    await pushImage(anon, repo, '1.1.0');
    const waiting = await cluster.waitForStatus(ns, 'web', '1.1.0 waits', (s) => s.pending?.tag === '1.1.0');
    expect(waiting).toMatchObject({ tag: '1.0.0', result: 'Success' });
    expect(waiting.pending).toMatchObject({ previousTag: '1.0.0', rule: 'semver-minor' });
    expect(waiting.pending?.digest).toMatch(/^sha256:/);
    expect(waiting.message).toContain(`kubectl annotate image -n ${ns} web tagpilot.dev/approve=1.1.0`);
    expect(waiting.conditions?.find((c) => c.type === 'UpToDate')).toMatchObject({
      status: 'False',
      reason: 'ApprovalPending',
    });
    expect(await cluster.deploymentImage(ns, 'web')).toBe(`${ref}:1.0.0`);
    await waitFor('the pending alert', () => waitingAlerts('web', '1.1.0').length === 1, {
      timeoutMs: 30_000,
    });
    const body = waitingAlerts('web', '1.1.0')[0]!.body!;
    expect(body).toContain(`kubectl annotate image -n ${ns} web tagpilot.dev/approve=1.1.0`);
    expect(body).toContain(`tagpilot approve web -n ${ns} --tag 1.1.0`);
    expect(body).toContain(`tagpilot reject web -n ${ns} --tag 1.1.0`);
    const table = await kubectl(env.kubeconfig, ['get', 'images', '-n', ns, 'web']);
    expect(table.stdout).toMatch(/PENDING/);
    expect(table.stdout.split('\n')[1]).toMatch(/\s1\.0\.0\s+1\.1\.0\s/);

    // Later ticks: still waiting, one Event, one alert, nothing applied.
    const seen = controller.stats().byImage[`${ns}/web`] ?? 0;
    await waitFor('two more checks', () => (controller.stats().byImage[`${ns}/web`] ?? 0) >= seen + 2, {
      timeoutMs: 60_000,
    });
    expect(await count('web', 'ApprovalPending')).toBe(1);
    expect(waitingAlerts('web', '1.1.0')).toHaveLength(1);
    expect(await cluster.deploymentImage(ns, 'web')).toBe(`${ref}:1.0.0`);

    // A newer tag supersedes the waiting one.
    await pushImage(anon, repo, '1.2.0');
    const newer = await cluster.waitForStatus(ns, 'web', '1.2.0 waits', (s) => s.pending?.tag === '1.2.0');
    expect(newer.tag).toBe('1.0.0');
    expect(newer.pending?.superseded).toEqual(['1.1.0']);
    expect(await eventStarting('web', 'ApprovalSuperseded:')).toBe(
      'ApprovalSuperseded: 1.1.0 superseded by 1.2.0',
    );
    await waitFor('the second pending alert', () => waitingAlerts('web', '1.2.0').length === 1, {
      timeoutMs: 30_000,
    });

    // Approving the superseded tag says so and applies nothing.
    const old = await kubectl(env.kubeconfig, [
      'annotate',
      'image',
      '-n',
      ns,
      'web',
      'tagpilot.dev/approve=1.1.0',
    ]);
    expect(old.stderr).toBe('');
    expect(await eventStarting('web', 'ApprovalIgnored:')).toMatch(
      /approve 1\.1\.0: 1\.1\.0 was superseded by 1\.2\.0, which waits for approval now; nothing was done .*set by kubectl-annotate/,
    );
    await waitFor('the answer removed', async () => {
      const a = (await cluster.getImage(ns, 'web')).metadata.annotations ?? {};
      return !('tagpilot.dev/approve' in a);
    });
    expect((await cluster.getImage(ns, 'web')).status?.pending?.tag).toBe('1.2.0');
    expect(await cluster.deploymentImage(ns, 'web')).toBe(`${ref}:1.0.0`);

    // Approved by annotation: exactly 1.2.0 runs.
    await kubectl(env.kubeconfig, ['annotate', 'image', '-n', ns, 'web', 'tagpilot.dev/approve=1.2.0']);
    const applied = await cluster.waitForStatus(ns, 'web', '1.2.0 applied', (s) => s.tag === '1.2.0');
    expect(applied.pending).toBeUndefined();
    expect(applied.digest).toBe(newer.pending?.digest);
    expect(applied.history?.[0]).toMatchObject({ tag: '1.2.0', rule: 'semver-minor' });
    expect(await cluster.deploymentImage(ns, 'web')).toBe(`${ref}:1.2.0`);
    expect(await eventStarting('web', 'Approved:')).toMatch(
      /^Approved: 1\.2\.0 approved \(tagpilot\.dev\/approve=1\.2\.0 set by kubectl-annotate at \S+\)/,
    );
    await waitFor('the answer removed', async () => {
      const a = (await cluster.getImage(ns, 'web')).metadata.annotations ?? {};
      return !('tagpilot.dev/approve' in a);
    });
    // The health gate follows the approved tag like any update.
    await cluster.waitForStatus(
      ns,
      'web',
      'Healthy=True',
      (s) => s.conditions?.some((c) => c.type === 'Healthy' && c.status === 'True') ?? false,
    );
    await waitFor('the update alert', () =>
      alerts('web').some((d) => d.image?.newTag === '1.2.0' && d.alertEvent === 'Updated'),
    );
    expect(waitingAlerts('web', '1.1.0')).toHaveLength(1);
    expect(waitingAlerts('web', '1.2.0')).toHaveLength(1);
  });

  it('rejected by the CLI → never applied; the CLI refuses what the controller would ignore', async () => {
    const { repo, ref } = await setUp('api');
    const none = await cli(['approve', 'api', '-n', ns]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^tagpilot approve: Image \S+\/api: approve: nothing waits for approval/);

    await pushImage(anon, repo, '1.1.0');
    await cluster.waitForStatus(ns, 'api', '1.1.0 waits', (s) => s.pending?.tag === '1.1.0');
    const other = await cli(['approve', 'api', '-n', ns, '--tag', '9.9.9']);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('1.1.0 waits for approval, not 9.9.9; nothing was done');

    const rejected = await cli(['reject', 'api', '-n', ns, '-o', 'json']);
    expect(rejected.stderr).toBe('');
    expect(rejected.code).toBe(0);
    expect(JSON.parse(rejected.stdout)).toMatchObject({
      namespace: ns,
      name: 'api',
      verb: 'reject',
      tag: '1.1.0',
      annotation: 'tagpilot.dev/reject',
    });
    const after = await cluster.waitForStatus(ns, 'api', '1.1.0 rejected', (s) =>
      (s.rejected ?? []).some((r) => r.tag === '1.1.0'),
    );
    expect(after.pending).toBeUndefined();
    expect(after.tag).toBe('1.0.0');
    expect(after.rejected?.[0]?.reason).toMatch(/^rejected by tagpilot-cli at /);
    expect(await eventStarting('api', 'Rejected:')).toMatch(
      /^Rejected: 1\.1\.0 rejected \(tagpilot\.dev\/reject=1\.1\.0 set by tagpilot-cli at \S+\)/,
    );

    // Later ticks never propose or apply it again.
    const seen = controller.stats().byImage[`${ns}/api`] ?? 0;
    await waitFor('three more checks', () => (controller.stats().byImage[`${ns}/api`] ?? 0) >= seen + 3, {
      timeoutMs: 60_000,
    });
    const quiet = (await cluster.getImage(ns, 'api')).status!;
    expect(quiet.pending).toBeUndefined();
    expect(quiet.tag).toBe('1.0.0');
    expect(await cluster.deploymentImage(ns, 'api')).toBe(`${ref}:1.0.0`);
    expect(await count('api', 'ApprovalPending')).toBe(1);
    expect(waitingAlerts('api', '1.1.0')).toHaveLength(1);
    expect((await cluster.eventReasons(ns, 'Deployment', 'api')).filter((r) => r === 'ImageUpdated')).toEqual(
      [],
    );
  });
});
