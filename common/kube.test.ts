import { describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { reuseConnections } from './kube.js';

function config(token: string, cert?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', skipTLSVerify: false }],
    users: [{ name: 'u', token, ...(cert ? { certData: cert, keyData: cert } : {}) }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

const agentOf = async (kc: KubeConfig) => (await kc.applyToFetchOptions({})).agent;

describe('reuseConnections', () => {
  it('gives every request of a config the same keep-alive agent', async () => {
    const kc = reuseConnections(config('t'));
    const first = await agentOf(kc);
    expect(first).toBeDefined();
    expect(await agentOf(kc)).toBe(first);
    expect((first as { keepAlive?: boolean }).keepAlive).toBe(true);
  });

  it('builds a new agent when the TLS material changes (a rotated client certificate)', async () => {
    const kc = reuseConnections(config('t', Buffer.from('one').toString('base64')));
    const first = await agentOf(kc);
    kc.users[0] = { ...kc.users[0]!, certData: Buffer.from('two').toString('base64') };
    expect(await agentOf(kc)).not.toBe(first);
  });

  it('without it, client-node 1.x builds an agent per request (why it exists)', async () => {
    const kc = config('t');
    expect(await agentOf(kc)).not.toBe(await agentOf(kc));
  });
});
