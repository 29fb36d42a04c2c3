// Hostile hook requests against the real controller program: a captured signed request sent again after
// the replay window gets 401 (and triggers nothing), a form body gets 415, and a connection that never
// finishes its headers is closed.
import { createHmac, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startControllerProcess, type ControllerProcess } from '../../testenv/controller-process.js';
import { pushImage } from '../../testenv/images.js';
import { createTestNamespace } from '../../testenv/kube.js';
import { Cluster, controllerKubeConfig, imageSpec } from '../../integration/controller/support.js';

const env = inject('testenv');
const anon = env.registries.anonymous;
const cluster = new Cluster(env);
const SECRET = randomBytes(16).toString('hex');
const WINDOW_SECONDS = 2;

let ns: string;
let controller: ControllerProcess | undefined;

beforeAll(async () => {
  ns = await createTestNamespace(env, 'hostile-hooks');
  controller = await startControllerProcess(env, {
    name: `hooks-${ns}`,
    kubeConfig: await controllerKubeConfig(env),
    namespaces: [ns],
    args: [`--hook-replay-window=${WINDOW_SECONDS}s`, '--http-request-timeout=3s', '--cron-jitter=0s'],
    env: { TAGPILOT_HOOK_SECRET_GENERIC: SECRET },
  });
});

afterAll(async () => {
  await controller?.stop();
});

async function send(body: string, headers: Record<string, string>) {
  const res = await fetch(`${controller!.url}/v1/hooks/generic`, { method: 'POST', body, headers });
  return {
    status: res.status,
    json: (await res.json()) as { triggered?: number; repositories?: string[]; error?: string },
  };
}

describe('hook receivers under attack', () => {
  it('a signed request replayed after the window gets 401 and triggers nothing', async () => {
    const repo = `hostile-${randomBytes(3).toString('hex')}/hooked`;
    await pushImage(anon, repo, 'v1.0.0');
    await cluster.createImage(ns, 'hooked', {
      ...imageSpec(anon, repo, { baseTag: 'v1.0.0' }),
      triggers: [{ type: 'webhook' }],
    });
    await cluster.waitForStatus(ns, 'hooked', 'first check', (s) => s.result === 'Success');

    const body = JSON.stringify({ repository: `${anon.host}/${repo}`, tag: 'v1.0.1' });
    const ts = String(Math.floor(Date.now() / 1000));
    const sig = `sha256=${createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex')}`;
    const captured = {
      'content-type': 'application/json',
      'x-tagpilot-timestamp': ts,
      'x-tagpilot-signature': sig,
    };
    const fresh = await send(body, captured);
    expect(fresh).toMatchObject({
      status: 202,
      json: { triggered: 1, repositories: [`${anon.host}/${repo}`] },
    });

    // The same bytes, later: outside the window.
    await new Promise((r) => setTimeout(r, (WINDOW_SECONDS + 1.5) * 1000));
    const replayed = await send(body, captured);
    expect(replayed.status).toBe(401);
    expect(replayed.json.error).toMatch(/outside the 2 s replay window/);
    // Nor does dropping the timestamp help: the signature covers it.
    const stripped = await send(body, { 'content-type': 'application/json', 'x-tagpilot-signature': sig });
    expect(stripped.status).toBe(401);
    expect(controller!.output()).not.toContain(SECRET);
  });

  it('a form body gets 415', async () => {
    const body = 'repository=x';
    const sig = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
    const res = await send(body, {
      'content-type': 'application/x-www-form-urlencoded',
      'x-tagpilot-signature': sig,
    });
    expect(res.status).toBe(415);
    expect(res.json.error).toMatch(/application\/json/);
  });

  it('a connection that never finishes its request is closed', async () => {
    const socket = connect(controller!.port, '127.0.0.1');
    socket.write('POST /v1/hooks/generic HTTP/1.1\r\nHost: x\r\ncontent-length: 100\r\n\r\n{"rep');
    const outcome = await new Promise<string>((resolve) => {
      let data = '';
      socket.on('data', (d: Buffer) => (data += d.toString()));
      socket.on('close', () => resolve(data === '' ? 'closed' : data.split('\r\n')[0]!));
      setTimeout(() => resolve('still open'), 20_000).unref();
    });
    socket.destroy();
    // Node answers 408 Request Timeout (or just closes) once --http-request-timeout (3 s) has passed.
    expect(outcome).toMatch(/^(closed|HTTP\/1\.1 408)/);
  });
});
