// The registry client through a real CONNECT proxy on loopback: what HTTPS_PROXY/NO_PROXY promise.
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from './client.js';
import { proxyFromEnv } from './agents.js';

const listen = (server: Server) =>
  new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );

describe('proxyFromEnv', () => {
  it.each([
    [{}, {}],
    [{ HTTPS_PROXY: 'http://p:3128' }, { httpsProxy: 'http://p:3128' }],
    [{ http_proxy: 'http://p:1' }, { httpProxy: 'http://p:1', httpsProxy: 'http://p:1' }],
    [
      { HTTP_PROXY: 'http://a:1', https_proxy: 'http://b:2', no_proxy: 'localhost,.svc' },
      { httpProxy: 'http://a:1', httpsProxy: 'http://b:2', noProxy: 'localhost,.svc' },
    ],
  ])('%j → %j', (env, expected) => {
    expect(proxyFromEnv(env)).toEqual(expected);
  });
});

describe('RegistryClient through a proxy', () => {
  const tunnels: string[] = [];
  const registry = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ name: 'app', tags: ['v1', 'v2'] }));
  });
  const proxy = createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req, socket, head) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
  });
  let registryHost = '';
  let proxyURL = '';
  beforeAll(async () => {
    registryHost = await listen(registry);
    proxyURL = `http://${await listen(proxy)}`;
  });
  afterAll(() => {
    registry.close();
    proxy.close();
  });

  it('tunnels registry requests through the proxy', async () => {
    const client = new RegistryClient({
      maxAttempts: 1,
      proxy: { httpProxy: proxyURL, httpsProxy: proxyURL },
    });
    tunnels.length = 0;
    expect(await client.listTags(`${registryHost}/app`, { plainHTTP: true })).toEqual(['v1', 'v2']);
    expect(tunnels).toContain(registryHost);
    await client.close();
  });

  it('goes direct for hosts NO_PROXY exempts', async () => {
    const client = new RegistryClient({
      maxAttempts: 1,
      proxy: { httpProxy: proxyURL, httpsProxy: proxyURL, noProxy: '127.0.0.1' },
    });
    tunnels.length = 0;
    expect(await client.listTags(`${registryHost}/app`, { plainHTTP: true })).toEqual(['v1', 'v2']);
    expect(tunnels).toEqual([]);
    await client.close();
  });
});
