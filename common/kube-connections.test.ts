import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { rsaKeyPair, selfSignedCertificate } from '../test/testenv/pki.js';
import { reuseConnections } from './kube-connections.js';

const keys = rsaKeyPair();
const cert = selfSignedCertificate(keys, 'apiserver', ['127.0.0.1']).pem;

/** A loopback HTTPS peer answering every call with an empty NamespaceList; counts TLS connections. */
async function fakeApiserver(): Promise<{ server: Server; url: string; connections: () => number }> {
  let connections = 0;
  const server = createServer({ cert, key: keys.privateKeyPem }, (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ apiVersion: 'v1', kind: 'NamespaceList', metadata: {}, items: [] }));
    });
  });
  server.on('secureConnection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    server,
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
  };
}

function kubeConfig(server: string, token = 'token-1'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, caData: Buffer.from(cert).toString('base64') }],
    users: [{ name: 'u', token }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

let peer: Awaited<ReturnType<typeof fakeApiserver>> | undefined;
afterEach(async () => {
  peer?.server.closeAllConnections();
  await new Promise((r) => peer?.server.close(r));
  peer = undefined;
});

describe('reuseConnections', () => {
  it('sends sequential API calls over one TLS connection (client-node alone opens one per call)', async () => {
    peer = await fakeApiserver();
    const plain = kubeConfig(peer.url).makeApiClient(CoreV1Api);
    for (let i = 0; i < 5; i++) await plain.listNamespace();
    expect(peer.connections()).toBe(5);

    const before = peer.connections();
    const shared = reuseConnections(kubeConfig(peer.url)).makeApiClient(CoreV1Api);
    for (let i = 0; i < 5; i++) await shared.listNamespace();
    expect(peer.connections() - before).toBe(1);
  });

  it('makes a new agent when the CA or client credentials change, not when only the token does', async () => {
    peer = await fakeApiserver();
    const kc = reuseConnections(kubeConfig(peer.url));
    const agentOf = async (k: KubeConfig) => (await k.applyToFetchOptions({})).agent;
    const first = await agentOf(kc);
    expect(await agentOf(kc)).toBe(first);
    kc.users[0] = { ...kc.users[0]!, token: 'token-2' };
    expect(await agentOf(kc)).toBe(first);
    const other = selfSignedCertificate(rsaKeyPair(), 'other', ['127.0.0.1']).pem;
    kc.clusters[0] = { ...kc.clusters[0]!, caData: Buffer.from(other).toString('base64') };
    expect(await agentOf(kc)).not.toBe(first);
  });
});
