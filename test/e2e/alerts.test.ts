// Alerts end to end (issue 8): the real controller, under its ServiceAccount with the shipped RBAC, makes
// a real update and announces it through an AlertConfig to real peers on loopback — an SMTP server and
// HTTP servers standing in for Slack, Discord, Teams and a generic webhook — so the tests check the bytes
// on the wire, the Events on the Image and that an update is announced at most once, across a restart.
import { createHmac, randomBytes } from 'node:crypto';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startController, type Controller, type ControllerOptions } from '../../controller/main.js';
import { REFRESH_ANNOTATION, type ImageStatus } from '../../crds/index.js';
import { pushImage } from '../testenv/images.js';
import { createTestNamespace } from '../testenv/kube.js';
import { waitFor } from '../testenv/wait.js';
import { Cluster, controllerKubeConfig, imageSpec, testLogger } from '../integration/controller/support.js';
import {
  freePort,
  startHttpPeer,
  startSmtpPeer,
  type HttpPeer,
  type RecordedRequest,
  type SmtpPeer,
} from '../integration/alerts/peers.js';

const env = inject('testenv');
const anon = env.registries.anonymous;
const cluster = new Cluster(env);
const uid = () => randomBytes(3).toString('hex');
const FROM = 'tagpilot@example.test';
const TO = ['ops@example.test', 'oncall@example.test'];

let ns: string;
let options: ControllerOptions;
let controller: Controller;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  const kubeConfig = await controllerKubeConfig(env);
  ns = await createTestNamespace(env, 'alerts');
  options = {
    kubeConfig,
    namespaces: [ns],
    ops: false,
    registry: { tagsTtlMs: 1_000, digestTtlMs: 1_000, maxAttempts: 1, timeoutMs: 5_000 },
    cronJitterMs: 500,
    retryBaseMs: 500,
    retryMaxMs: 5_000,
    log: testLogger(env, 'e2e-alerts'),
  };
  controller = await startController(options);
});

afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

afterAll(async () => {
  await controller?.stop();
});

async function httpPeer(...script: { status: number; hang?: boolean }[]): Promise<HttpPeer> {
  const peer = await startHttpPeer({ status: 200, body: 'ok' });
  peer.script(...script);
  closers.push(() => peer.close());
  return peer;
}

async function smtpPeer(): Promise<SmtpPeer> {
  const peer = await startSmtpPeer();
  closers.push(() => peer.close());
  return peer;
}

async function createAlertConfig(name: string, spec: object): Promise<void> {
  await cluster.custom.createNamespacedCustomObject({
    group: 'tagpilot.dev',
    version: 'v1alpha1',
    plural: 'alertconfigs',
    namespace: ns,
    body: { apiVersion: 'tagpilot.dev/v1alpha1', kind: 'AlertConfig', metadata: { name }, spec },
  });
}

function emailTo(port: number) {
  return { host: '127.0.0.1', port, tlsMode: 'None', from: `Tagpilot <${FROM}>`, to: TO };
}

/**
 * An Image on v1.0.0 whose semver-minor rule alerts through `alertConfig`; after its first check the
 * registry gains v1.0.1 and the next cron tick updates it. Resolves to the status after the update.
 */
async function updateWithAlert(name: string, alertConfig: string): Promise<ImageStatus> {
  const repo = `alerts-${uid()}/${name}`;
  await pushImage(anon, repo, 'v1.0.0');
  await cluster.createImage(
    ns,
    name,
    imageSpec(anon, repo, {
      baseTag: 'v1.0.0',
      actions: [{ type: 'alert', alertConfigRef: { name: alertConfig } }],
    }),
  );
  await cluster.waitForStatus(ns, name, 'first check', (s) => s.result === 'Success');
  await pushImage(anon, repo, 'v1.0.1');
  // A delivery with a hanging peer takes ~33 s (3 tries of 10 s plus backoff) before the status write.
  return cluster.waitForStatus(ns, name, 'v1.0.1', (s) => s.tag === 'v1.0.1', 120_000);
}

interface SeenEvent {
  type: string;
  reason: string;
  message: string;
}

async function imageEvents(name: string): Promise<SeenEvent[]> {
  const list = await cluster.core.listNamespacedEvent({
    namespace: ns,
    fieldSelector: `involvedObject.kind=Image,involvedObject.name=${name}`,
  });
  return list.items.map((e) => ({ type: e.type ?? '', reason: e.reason ?? '', message: e.message ?? '' }));
}

/** The alert Events (AlertSent/AlertFailed/...) on an Image, once `count` of them exist. */
async function alertEvents(name: string, count: number): Promise<SeenEvent[]> {
  return waitFor(`${count} alert Events on Image ${name}`, async () => {
    const alerts = (await imageEvents(name)).filter((e) => e.reason.startsWith('Alert'));
    return alerts.length >= count ? alerts : undefined;
  });
}

function eventFor(events: SeenEvent[], channel: string): SeenEvent | undefined {
  return events.find((e) => e.message.startsWith(`${channel} (`));
}

function only(peer: HttpPeer): RecordedRequest & { json: Record<string, unknown> } {
  expect(peer.requests).toHaveLength(1);
  const req = peer.requests[0]!;
  expect(req.method).toBe('POST');
  expect(req.headers['content-type']).toMatch(/^application\/json/);
  return req as RecordedRequest & { json: Record<string, unknown> };
}

describe('alerts through a real update', () => {
  // Shared with the restart test below: the Image and the peers of the delivered alert.
  const delivered = {
    image: '',
    peers: [] as HttpPeer[],
    smtp: undefined as SmtpPeer | undefined,
  };

  it('one update sends one e-mail and one message to each of Slack, Discord, Teams and a signed webhook', async () => {
    const [slack, discord, teams, hook] = await Promise.all([httpPeer(), httpPeer(), httpPeer(), httpPeer()]);
    const smtp = await smtpPeer();
    const hmacKey = `k-${randomBytes(16).toString('hex')}`;
    await cluster.core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'hooks' }, stringData: { hmac: hmacKey } },
    });
    await createAlertConfig('everywhere', {
      email: emailTo(smtp.port),
      slack: { webhookURL: { value: slack.url('/services/T0/B0/x') } },
      discord: { webhookURL: { value: discord.url('/api/webhooks/1/x') } },
      msteams: { webhookURL: { value: teams.url('/webhookb2/x') } },
      webhook: {
        url: hook.url('/hook'),
        secret: { valueFrom: { secretKeyRef: { name: 'hooks', key: 'hmac' } } },
      },
    });

    const status = await updateWithAlert('web', 'everywhere');
    expect(status.result).toBe('Success');
    expect(status.message).toMatch(/alert: sent through AlertConfig everywhere to /);
    expect(status.message).not.toContain('FAILED');

    // The actions run before the status write: everything has arrived by now.
    expect(smtp.messages).toHaveLength(1);
    const mail = smtp.messages[0]!;
    expect(mail.mailFrom).toBe(FROM);
    expect(mail.rcptTo).toEqual(TO);
    expect(mail.parsed.from?.value[0]?.address).toBe(FROM);
    expect(mail.parsed.subject).toContain('v1.0.1');
    expect(mail.parsed.subject).toContain(`${ns}/web`);
    expect(mail.parsed.text).toContain('v1.0.0 to v1.0.1');
    expect(typeof mail.parsed.html === 'string' && mail.parsed.html).toContain('v1.0.1');
    expect(mail.parsed.headers.get('x-tagpilot-event')).toBe('image.updated');

    const s = only(slack);
    expect(s.path).toBe('/services/T0/B0/x');
    expect(Array.isArray(s.json.blocks) && s.json.blocks.length).toBeGreaterThan(0);
    expect(String(s.json.text)).toContain('v1.0.1');

    const d = only(discord);
    const embeds = d.json.embeds as { title?: string }[];
    expect(embeds).toHaveLength(1);
    expect(embeds[0]?.title).toContain('v1.0.1');
    expect(d.json.allowed_mentions).toEqual({ parse: [] });

    const t = only(teams);
    expect(t.json.type).toBe('message');
    const attachments = t.json.attachments as { contentType?: string; content?: { type?: string } }[];
    expect(attachments).toHaveLength(1);
    expect(attachments[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(attachments[0]?.content?.type).toBe('AdaptiveCard');

    const w = only(hook);
    expect(w.json).toMatchObject({
      event: 'image.updated',
      alertConfig: { namespace: ns, name: 'everywhere' },
      image: { namespace: ns, name: 'web', previousTag: 'v1.0.0', newTag: 'v1.0.1' },
    });
    expect(w.headers['x-tagpilot-delivery']).toBe(w.json.id);
    const expected = 'sha256=' + createHmac('sha256', hmacKey).update(w.body).digest('hex');
    expect(w.headers['x-tagpilot-signature']).toBe(expected);

    const events = await alertEvents('web', 5);
    expect(events.map((e) => e.reason)).toEqual(Array(5).fill('AlertSent'));
    for (const channel of ['email', 'slack', 'discord', 'msteams', 'webhook']) {
      expect(eventFor(events, channel)?.message).toMatch(/v1\.0\.0 → v1\.0\.1\): sent \(1 attempt\)/);
    }
    for (const e of await imageEvents('web')) expect(e.message).not.toContain(hmacKey);

    // Later cron ticks find nothing newer and send nothing more.
    const evaluations = controller.stats().evaluations;
    await waitFor('two more evaluations', () => controller.stats().evaluations >= evaluations + 2, {
      timeoutMs: 60_000,
    });
    expect([slack, discord, teams, hook].map((p) => p.requests.length)).toEqual([1, 1, 1, 1]);
    expect(smtp.messages).toHaveLength(1);

    // Keep the peers for the restart test (closed there).
    closers.splice(0);
    delivered.image = 'web';
    delivered.peers = [slack, discord, teams, hook];
    delivered.smtp = smtp;
  });

  it('a restart right after the update does not resend the alert, even when the update is decided again', async () => {
    const { image, peers, smtp } = delivered;
    expect(image).toBe('web'); // the previous test delivered its alert
    for (const p of peers) closers.push(() => p.close());
    closers.push(() => smtp!.close());
    const counts = () => [...peers.map((p) => p.requests.length), smtp!.messages.length];
    expect(counts()).toEqual([1, 1, 1, 1, 1]);

    // A new controller instance (a new alert holder) re-checks the Image on request.
    await controller.stop();
    controller = await startController(options);
    await cluster.patchImage(ns, image, { metadata: { annotations: { [REFRESH_ANNOTATION]: 'now' } } });
    await waitFor('the refresh annotation to be handled', async () => {
      const img = await cluster.getImage(ns, image);
      return img.metadata.annotations?.[REFRESH_ANNOTATION] === undefined;
    });
    await controller.idle();
    expect(counts()).toEqual([1, 1, 1, 1, 1]);

    // What a controller killed between sending the alert and writing the status leaves behind: the
    // status still on v1.0.0. The next instance decides the same update again and runs the alert action,
    // which must find the record on the Image and not send a second time.
    await controller.stop();
    const before = await cluster.getImage(ns, image);
    const oldDigest = before.status?.history?.find((h) => h.tag === 'v1.0.0')?.digest;
    await cluster.custom.patchNamespacedCustomObjectStatus(
      {
        group: 'tagpilot.dev',
        version: 'v1alpha1',
        plural: 'images',
        namespace: ns,
        name: image,
        body: { status: { tag: 'v1.0.0', ...(oldDigest ? { digest: oldDigest } : {}) } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect((await cluster.getImage(ns, image)).status?.tag).toBe('v1.0.0');
    controller = await startController(options);
    await cluster.patchImage(ns, image, { metadata: { annotations: { [REFRESH_ANNOTATION]: 'again' } } });
    const again = await cluster.waitForStatus(ns, image, 'v1.0.1 decided again', (s) => s.tag === 'v1.0.1');
    expect(again.result).toBe('Success');
    expect(again.message).toMatch(/v1\.0\.0 → v1\.0\.1/);
    expect(again.message).toMatch(/alert: not sent again through AlertConfig everywhere \(AlreadySent\)/);
    expect(counts()).toEqual([1, 1, 1, 1, 1]);
  });

  it('failing channels: SMTP down, Slack 500, a hanging webhook; the update succeeds and Events say why', async () => {
    const [slack, discord, teams, hook] = await Promise.all([
      httpPeer({ status: 500 }, { status: 500 }, { status: 500 }),
      httpPeer(),
      httpPeer(),
      httpPeer({ status: 200, hang: true }, { status: 200, hang: true }, { status: 200, hang: true }),
    ]);
    const closedPort = await freePort();
    await createAlertConfig('broken', {
      email: emailTo(closedPort),
      slack: { webhookURL: { value: slack.url('/services/T0/B0/x') } },
      discord: { webhookURL: { value: discord.url('/api/webhooks/1/x') } },
      msteams: { webhookURL: { value: teams.url('/webhookb2/x') } },
      webhook: { url: hook.url('/hook') },
    });

    const status = await updateWithAlert('degraded', 'broken');
    expect(status.result).toBe('Success');
    expect(status.message).toMatch(/v1\.0\.0 → v1\.0\.1/);
    expect(status.message).toMatch(/FAILED for .*email/);

    const events = await alertEvents('degraded', 5);
    const email = eventFor(events, 'email');
    expect(email).toMatchObject({ type: 'Warning', reason: 'AlertFailed' });
    expect(email?.message).toMatch(
      new RegExp(`failed after 3 attempts: 127\\.0\\.0\\.1:${closedPort}: connection refused`),
    );
    const slackEvent = eventFor(events, 'slack');
    expect(slackEvent).toMatchObject({ type: 'Warning', reason: 'AlertFailed' });
    expect(slackEvent?.message).toMatch(/failed after 3 attempts: .*HTTP 500/);
    expect(slackEvent?.message).not.toContain('/services/T0/B0/x'); // the URL's path is a credential
    const hookEvent = eventFor(events, 'webhook');
    expect(hookEvent).toMatchObject({ type: 'Warning', reason: 'AlertFailed' });
    expect(hookEvent?.message).toMatch(/failed after 3 attempts: .*no response within 10000 ms/);
    expect(eventFor(events, 'discord')).toMatchObject({ type: 'Normal', reason: 'AlertSent' });
    expect(eventFor(events, 'msteams')).toMatchObject({ type: 'Normal', reason: 'AlertSent' });

    // Each failing peer saw its three tries; the healthy channels got their message once.
    expect(slack.requests).toHaveLength(3);
    expect(hook.requests).toHaveLength(3);
    expect(new Set(hook.requests.map((r) => r.headers['x-tagpilot-delivery'])).size).toBe(1);
    expect(only(discord).json.embeds).toHaveLength(1);
    expect(only(teams).json.type).toBe('message');
  });

  it('a retried delivery succeeds when the peer comes back within the tries', async () => {
    const slack = await httpPeer({ status: 500 });
    const smtp = await smtpPeer();
    smtp.failNextData(451);
    await createAlertConfig('flaky', {
      email: emailTo(smtp.port),
      slack: { webhookURL: { value: slack.url('/services/T0/B0/x') } },
    });

    const status = await updateWithAlert('flaky', 'flaky');
    expect(status.result).toBe('Success');
    expect(status.message).not.toContain('FAILED');

    const events = await alertEvents('flaky', 2);
    expect(eventFor(events, 'slack')).toMatchObject({ type: 'Normal', reason: 'AlertSent' });
    expect(eventFor(events, 'slack')?.message).toMatch(/sent \(2 attempts\)/);
    expect(eventFor(events, 'email')).toMatchObject({ type: 'Normal', reason: 'AlertSent' });
    expect(eventFor(events, 'email')?.message).toMatch(/sent \(2 attempts\)/);
    expect(slack.requests).toHaveLength(2);
    expect(slack.requests[1]?.body).toBe(slack.requests[0]?.body);
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]?.parsed.subject).toContain('v1.0.1');
  });
});
