// Failure and recovery alerts end to end (issue 15): the real operator (Ready, Reconciling) and the real
// controller against the real apiserver, a real Distribution registry behind a TCP relay that the test
// takes down and brings back, and a real HTTP peer as the AlertConfig's webhook. While the registry is
// down `kubectl wait --for=condition=Ready` times out; after it is back the wait succeeds; across many
// failing checks and a controller restart the peer receives exactly one Failed and one Recovered alert.
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { evaluations } from '../../controller/engine/metrics.js';
import { pushImage } from '../testenv/images.js';
import { createTestNamespace } from '../testenv/kube.js';
import { quickRegistry, startPrograms, type Programs } from '../testenv/programs.js';
import { kubectl } from '../testenv/tools.js';
import { waitFor } from '../testenv/wait.js';
import { Cluster, imageSpec } from '../integration/controller/support.js';
import { startHttpPeer, type HttpPeer } from '../integration/alerts/peers.js';
import { readyOf } from '../integration/operator/support.js';

const env = inject('testenv');
const anon = env.registries.anonymous;
const cluster = new Cluster(env);

/** A TCP relay on 127.0.0.1 to the registry that can be taken down (connections refused) and back up. */
interface Relay {
  port: number;
  down(): Promise<void>;
  up(): Promise<void>;
}

async function startRelay(target: string): Promise<Relay> {
  const [host, port] = [target.split(':')[0]!, Number(target.split(':')[1])];
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let listenPort = 0;
  const up = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(port, host);
        for (const sock of [client, upstream]) {
          sockets.add(sock);
          sock.on('close', () => sockets.delete(sock));
          sock.on('error', () => sock.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      s.once('error', reject);
      s.listen(listenPort, '127.0.0.1', () => {
        listenPort = (s.address() as { port: number }).port;
        server = s;
        resolve();
      });
    });
  const down = () =>
    new Promise<void>((resolve) => {
      for (const sock of sockets) sock.destroy();
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });
  await up();
  return { port: listenPort, up, down };
}

let programs: Programs;
let ns: string;
let relay: Relay | undefined;
const peers: HttpPeer[] = [];

beforeAll(async () => {
  ns = await createTestNamespace(env, 'failalert');
  programs = await startPrograms(env, {
    operator: {},
    controller: {
      logName: 'e2e-failure-alerts',
      namespaces: [ns],
      ops: false,
      registry: quickRegistry,
      cronJitterMs: 200,
      retryBaseMs: 500,
      retryMaxMs: 2_000,
    },
  });
});

afterAll(async () => {
  await programs?.stop();
  await relay?.down();
  await Promise.all(peers.map((p) => p.close()));
});

async function createAlertConfig(name: string, spec: object): Promise<void> {
  await cluster.custom.createNamespacedCustomObject({
    group: 'tagpilot.dev',
    version: 'v1alpha1',
    plural: 'alertconfigs',
    namespace: ns,
    body: { apiVersion: 'tagpilot.dev/v1alpha1', kind: 'AlertConfig', metadata: { name }, spec },
  });
}

const waitReady = (name: string, timeout: string) =>
  kubectl(env.kubeconfig, [
    'wait',
    '--for=condition=Ready',
    `image/${name}`,
    '-n',
    ns,
    `--timeout=${timeout}`,
  ]);

/** Checks with `result` counted by the in-process controller so far (every tick and retry is one). */
async function checks(result: string): Promise<number> {
  const values = (await evaluations.get()).values;
  return values.filter((v) => v.labels.result === result).reduce((sum, v) => sum + v.value, 0);
}
const failedChecks = () => checks('RegistryError');

const alertEvents = (peer: HttpPeer) =>
  peer.requests.map((r) => (r.json as { alertEvent?: string } | undefined)?.alertEvent);

describe('failure and recovery alerts', () => {
  it('kubectl wait follows the registry, and one outage is one Failed and one Recovered alert', async () => {
    const oncall = await startHttpPeer();
    const updatesOnly = await startHttpPeer();
    peers.push(oncall, updatesOnly);
    // No spec.events: every event. The second one asks for updates only and must hear nothing here.
    await createAlertConfig('oncall', { webhook: { url: oncall.url('/hook') } });
    await createAlertConfig('updates-only', {
      webhook: { url: updatesOnly.url('/hook') },
      events: ['Updated'],
    });

    const repo = `failalert-${randomBytes(3).toString('hex')}/web`;
    await pushImage(anon, repo, 'v1.0.0');
    relay = await startRelay(anon.host);
    const name = 'web';
    const spec = imageSpec(anon, repo, {
      baseTag: 'v1.0.0',
      actions: [
        { type: 'alert', alertConfigRef: { name: 'oncall' } },
        { type: 'alert', alertConfigRef: { name: 'updates-only' } },
      ],
    });
    await cluster.createImage(ns, name, { ...spec, image: `127.0.0.1:${relay.port}/${repo}` });

    const ok = await waitReady(name, '60s');
    expect(ok.code, ok.stderr).toBe(0);
    // Once the controller has evaluated the spec, the operator drops Reconciling.
    await waitFor('Reconciling to go', async () => {
      const img = await cluster.getImage(ns, name);
      return !img.status?.conditions?.some((c) => c.type === 'Reconciling');
    });
    expect(oncall.requests).toHaveLength(0);

    // The registry goes down.
    await relay.down();
    const before = await failedChecks();
    await waitFor(`Image ${name} to be Ready=False`, async () => {
      const img = await cluster.getImage(ns, name);
      return readyOf(img)?.status === 'False' ? img : undefined;
    });
    const timedOut = await waitReady(name, '8s');
    expect(timedOut.code).not.toBe(0);
    expect(timedOut.stderr).toMatch(/timed out/);

    await waitFor('the Failed alert', () => oncall.requests.length >= 1, { timeoutMs: 60_000 });
    const failed = oncall.requests[0]!;
    expect(failed.headers['x-tagpilot-event']).toBe('image.failed');
    expect(failed.json).toMatchObject({
      event: 'image.failed',
      alertEvent: 'Failed',
      reason: expect.stringContaining(`127.0.0.1:${relay.port}`),
      image: { namespace: ns, name, newTag: 'v1.0.0' },
      subject: `[tagpilot] ${ns}/${name}: check failed`,
    });
    expect((failed.json as { body: string }).body).not.toMatch(/updated from/);

    // A controller restart in the middle of the outage (a new holder of the alert record): the failure
    // goes on, and so do the checks, without a second alert.
    await programs.restartController();
    await waitFor('several more failed checks', async () => (await failedChecks()) - before >= 6, {
      timeoutMs: 90_000,
    });
    expect(alertEvents(oncall)).toEqual(['Failed']);

    // The registry comes back: Ready again, and one Recovered alert.
    await relay.up();
    const recovered = await waitReady(name, '90s');
    expect(recovered.code, recovered.stderr).toBe(0);
    await waitFor('the Recovered alert', () => oncall.requests.length >= 2, { timeoutMs: 60_000 });
    expect(oncall.requests[1]!.json).toMatchObject({
      event: 'image.recovered',
      alertEvent: 'Recovered',
      reason: expect.stringMatching(/^Failing since .*RegistryError.*now: /),
    });
    // Good ticks after the recovery send nothing more (a cron tick every 10 s).
    const good = await checks('Success');
    await waitFor('two more good checks', async () => (await checks('Success')) - good >= 2, {
      timeoutMs: 60_000,
    });
    expect(alertEvents(oncall)).toEqual(['Failed', 'Recovered']);
    expect(updatesOnly.requests).toHaveLength(0);

    const img = await cluster.getImage(ns, name);
    expect(img.status?.result).toBe('Success');
    expect(img.metadata.annotations?.['tagpilot.dev/alert-state']).toBeDefined();
  });
});
