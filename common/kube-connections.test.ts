import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { Agent } from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApiserver, type FakeApiserver } from '../test/fakes/apiserver.js';
import { rsaKeyPair, selfSignedCertificate } from '../test/testenv/pki.js';
import { KubeJson } from './kube-json.js';
import { reuseConnections } from './kube-connections.js';

/** Every call is answered with an empty NamespaceList. */
const namespaces = () => ({
  status: 200,
  body: JSON.stringify({ apiVersion: 'v1', kind: 'NamespaceList', metadata: {}, items: [] }),
});

let peer: FakeApiserver | undefined;
afterEach(async () => {
  await peer?.close();
  peer = undefined;
});

describe('reuseConnections', () => {
  it('sends sequential API calls over one TLS connection (client-node alone opens one per call)', async () => {
    peer = await fakeApiserver(namespaces);
    const plain = peer.kubeConfig().makeApiClient(CoreV1Api);
    for (let i = 0; i < 5; i++) await plain.listNamespace();
    expect(peer.connections()).toBe(5);

    const before = peer.connections();
    const shared = reuseConnections(peer.kubeConfig()).makeApiClient(CoreV1Api);
    for (let i = 0; i < 5; i++) await shared.listNamespace();
    expect(peer.connections() - before).toBe(1);
  });

  it('makes a new agent when the CA or client credentials change, not when only the token does', async () => {
    peer = await fakeApiserver(namespaces);
    const kc = reuseConnections(peer.kubeConfig());
    const agentOf = async (k: KubeConfig) => (await k.applyToFetchOptions({})).agent;
    const first = await agentOf(kc);
    expect(await agentOf(kc)).toBe(first);
    kc.users[0] = { ...kc.users[0]!, token: 'token-2' };
    expect(await agentOf(kc)).toBe(first);
    const other = selfSignedCertificate(rsaKeyPair(), 'other', ['127.0.0.1']).pem;
    kc.clusters[0] = { ...kc.clusters[0]!, caData: Buffer.from(other).toString('base64') };
    expect(await agentOf(kc)).not.toBe(first);
  });

  it('names the connection pool as Node does (remembered per destination)', async () => {
    peer = await fakeApiserver(namespaces);
    const kc = reuseConnections(peer.kubeConfig());
    const agent = (await kc.applyToFetchOptions({})).agent as unknown as {
      getName(o: Record<string, unknown>): string;
      options: Record<string, unknown>;
    };
    const plain = new Agent(agent.options);
    for (const where of [
      { host: '127.0.0.1', port: 6443 },
      { host: '127.0.0.1', port: 6444 },
      { host: 'kube.example', port: 6443, servername: 'kube.example' },
    ]) {
      const o = { ...where, ...agent.options };
      expect(agent.getName(o)).toBe(plain.getName(o));
      expect(agent.getName(o)).toBe(plain.getName(o));
    }
    // Copies of the agent's own TLS material (new Buffers, same bytes) use the remembered name: the
    // CA is not turned into a string again.
    let caStrings = 0;
    const copy = (b: unknown) => {
      const c = Buffer.from(b as Buffer);
      c.toString = (...args: Parameters<Buffer['toString']>) => (
        caStrings++,
        Buffer.prototype.toString.apply(c, args)
      );
      return c;
    };
    const copied = { host: '127.0.0.1', port: 6443, ...agent.options, ca: copy(agent.options.ca) };
    expect(agent.getName(copied)).toBe(plain.getName({ ...copied, ca: agent.options.ca as Buffer }));
    expect(agent.getName({ ...copied, ca: copy(agent.options.ca) })).toBe(agent.getName(copied));
    expect(caStrings).toBe(0);
    // Other TLS material on the request: named from it, as Node would.
    const other = { host: '127.0.0.1', port: 6443, ...agent.options, ca: Buffer.from('another CA') };
    expect(agent.getName(other)).toBe(plain.getName(other));
    expect(agent.getName(other)).toContain('another CA');
    // And the shared pool still carries requests.
    await kc.makeApiClient(CoreV1Api).listNamespace();
  });

  it('names the pool of real requests the short way (Node sets servername "" for an IP host)', async () => {
    peer = await fakeApiserver(() => ({ status: 201, body: '{}' }));
    const kc = reuseConnections(peer.kubeConfig());
    const agent = (await kc.applyToFetchOptions({})).agent as unknown as {
      getName(o: Record<string, unknown>): string;
    };
    const named = agent.getName.bind(agent);
    const servernames: unknown[] = [];
    agent.getName = (o) => (servernames.push(o.servername), named(o));
    // The long way turns the CA Buffer (the agent's own object, merged into every request's options)
    // into a string.
    const ca = (agent as unknown as { options: { ca: Buffer } }).options.ca;
    let caStrings = 0;
    ca.toString = (...args: Parameters<Buffer['toString']>) => (
      caStrings++,
      Buffer.prototype.toString.apply(ca, args)
    );
    const json = new KubeJson(kc);
    for (let i = 0; i < 3; i++)
      await json.send({
        method: 'POST',
        path: '/api/v1/namespaces/x/events',
        contentType: 'application/json',
        body: {},
      });
    // Named on every request and every release of its socket, always with the servername Node set:
    expect(servernames.length).toBeGreaterThanOrEqual(3);
    expect(new Set(servernames)).toEqual(new Set(['']));
    // and turned into a string from the TLS material once, not on each of those.
    expect(caStrings).toBe(1);
  });
});
