import { ApiException } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { reuseConnections } from './kube-connections.js';
import { fakeApiserver, statusBody, type FakeApiserver } from '../test/fakes/apiserver.js';
import { isConflict, isNotFound, kubeMessage, statusCode } from './kube.js';
import { CREDENTIALS_TTL_MS, KubeJson, PATCH } from './kube-json.js';

let peer: FakeApiserver | undefined;
/** The fake's KubeConfig sharing one keep-alive agent, as the programs' does (common/kube.ts). */
const kc = () => reuseConnections(peer!.kubeConfig());
afterEach(async () => {
  await peer?.close();
  peer = undefined;
});

describe('KubeJson', () => {
  it('sends the JSON body with the credentials, content type and query, and returns the parsed answer', async () => {
    peer = await fakeApiserver(() => ({ status: 200, body: '{"kind":"Image","status":{"tag":"v2"}}' }));
    const json = new KubeJson(kc());
    const stored = await json.send<{ status: { tag: string } }>({
      method: 'PATCH',
      path: '/apis/tagpilot.dev/v1alpha1/namespaces/team%20a/images/web/status',
      query: { fieldManager: 'tagpilot-controller', force: true, skipped: undefined },
      contentType: PATCH.apply,
      body: { status: { tag: 'v2' }, when: new Date('2026-01-02T03:04:05.678Z') },
    });
    expect(stored.status.tag).toBe('v2');
    const [s] = peer.seen;
    expect(s?.method).toBe('PATCH');
    expect(s?.url).toBe(
      '/apis/tagpilot.dev/v1alpha1/namespaces/team%20a/images/web/status?fieldManager=tagpilot-controller&force=true',
    );
    expect(s?.headers['content-type']).toBe('application/apply-patch+yaml');
    expect(s?.headers.authorization).toBe('Bearer secret-token');
    expect(JSON.parse(s?.body ?? '')).toEqual({ status: { tag: 'v2' }, when: '2026-01-02T03:04:05.678Z' });
  });

  it('shares one keep-alive connection across calls and can discard the answer', async () => {
    peer = await fakeApiserver(() => ({ status: 201, body: '{"kind":"Event"}' }));
    const json = new KubeJson(kc());
    const answers: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      answers.push(
        await json.send({
          method: 'POST',
          path: '/api/v1/namespaces/a/events',
          contentType: 'application/json',
          body: { i },
          discardResponse: true,
        }),
      );
    }
    expect(peer.seen).toHaveLength(5);
    expect(answers).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(peer.connections()).toBe(1);
  });

  it("fails with client-node's ApiException, read by the error helpers as client-node's own", async () => {
    const answers = [
      { status: 404, body: statusBody(404, 'images.tagpilot.dev "web" not found') },
      { status: 409, body: statusBody(409, 'the object has been modified') },
      { status: 500, body: 'not json at all' },
    ];
    peer = await fakeApiserver(() => answers[peer!.seen.length - 1]!);
    const json = new KubeJson(kc());
    const errs: unknown[] = [];
    for (let i = 0; i < answers.length; i++) {
      await json
        .send({ method: 'PATCH', path: '/x', contentType: PATCH.json, body: [] })
        .catch((e: unknown) => errs.push(e));
    }
    expect(errs.every((e) => e instanceof ApiException)).toBe(true);
    expect(errs.map(statusCode)).toEqual([404, 409, 500]);
    expect(isNotFound(errs[0])).toBe(true);
    expect(kubeMessage(errs[0])).toBe('images.tagpilot.dev "web" not found');
    expect(isConflict(errs[1])).toBe(true);
    // A body that is no Status reads as client-node's would: the first line of its message.
    expect(kubeMessage(errs[2])).toBe('HTTP-Code: 500');
  });

  it('a refused connection is an error without a status code', async () => {
    peer = await fakeApiserver(() => ({ status: 200, body: '{}' }));
    const config = kc();
    await peer.close();
    peer = undefined;
    const err = await new KubeJson(config)
      .send({ method: 'POST', path: '/x', contentType: 'application/json', body: {} })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(statusCode(err)).toBeUndefined();
  });

  it('gives up on an apiserver that never answers, saying which call', async () => {
    peer = await fakeApiserver(() => 'hang');
    const err = await new KubeJson(kc(), 200)
      .send({
        method: 'PATCH',
        path: '/apis/apps/v1/namespaces/a/deployments/web',
        contentType: PATCH.json,
        body: [],
      })
      .catch((e: unknown) => e);
    expect(String(err)).toContain(
      'did not answer PATCH /apis/apps/v1/namespaces/a/deployments/web within 0.2 s',
    );
    expect(statusCode(err)).toBeUndefined();
  });
  it('asks the KubeConfig for credentials once per second, and again after a failure', async () => {
    peer = await fakeApiserver(() => ({ status: 201, body: '{}' }));
    const config = kc();
    const real = config.applyToHTTPSOptions.bind(config);
    let asked = 0;
    let fail = false;
    config.applyToHTTPSOptions = async (opts) => {
      asked++;
      if (fail) throw new Error('exec plugin failed');
      return real(opts);
    };
    let clock = 0;
    const json = new KubeJson(config, undefined, () => clock);
    const post = () =>
      json.send({
        method: 'POST',
        path: '/x',
        contentType: 'application/json',
        body: {},
        discardResponse: true,
      });
    await Promise.all([post(), post(), post()]);
    expect(asked).toBe(1);
    clock = CREDENTIALS_TTL_MS - 1;
    await post();
    expect(asked).toBe(1);
    clock = CREDENTIALS_TTL_MS;
    fail = true;
    await expect(post()).rejects.toThrow('exec plugin failed');
    expect(asked).toBe(2);
    fail = false;
    await post();
    expect(asked).toBe(3);
    // Every request still carried the credentials.
    expect(peer.seen.map((s) => s.headers.authorization)).toEqual(Array(5).fill('Bearer secret-token'));
  });
});
