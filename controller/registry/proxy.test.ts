// The registry client through a real CONNECT proxy on loopback: what HTTPS_PROXY/NO_PROXY promise.
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rsaKeyPair, selfSignedCertificate } from '../../test/testenv/pki.js';
import { RegistryClient } from './client.js';
import { RegistryError } from './errors.js';
import { proxyFromEnv } from '../http/agents.js';
import { proxyFor } from '../http/proxy-tunnel.js';

const listen = (server: Pick<Server, 'listen' | 'address'>) =>
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

describe('proxyFor', () => {
  const settings = {
    httpProxy: 'http://p:1',
    httpsProxy: 'p:2',
    noProxy: 'a.example, .b.example *.c.example,d.example:5000',
  };
  it.each([
    ['https:', 'registry.example', 443, 'http://p:2/'],
    ['http:', 'registry.example', 80, 'http://p:1/'],
    ['https:', 'a.example', 443, undefined],
    ['https:', 'x.a.example', 443, undefined],
    ['https:', 'xa.example', 443, 'http://p:2/'],
    ['https:', 'B.example', 443, undefined],
    ['https:', 'deep.c.example', 443, undefined],
    ['http:', 'd.example', 5000, undefined],
    ['http:', 'd.example', 5001, 'http://p:1/'],
  ] as const)('%s//%s:%d → %s', (protocol, host, port, expected) => {
    expect(proxyFor(protocol, host, port, settings)?.href).toBe(expected);
  });

  it('goes direct for everything with NO_PROXY=* and without a proxy for the scheme', () => {
    expect(proxyFor('https:', 'x.example', 443, { ...settings, noProxy: '*' })).toBeUndefined();
    expect(proxyFor('https:', 'x.example', 443, { httpProxy: 'http://p:1' })).toBeUndefined();
  });
});

describe('RegistryClient through a proxy', () => {
  const tunnels: string[] = [];
  const proxyAuth: (string | undefined)[] = [];
  const tags: RequestListener = (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ name: 'app', tags: ['v1', 'v2'] }));
  };
  const registry = createServer(tags);
  const keys = rsaKeyPair();
  const cert = selfSignedCertificate(keys, 'tagpilot proxied registry', ['127.0.0.1']).pem;
  const tlsRegistry = createHttpsServer({ key: keys.privateKeyPem, cert }, tags);
  const proxy = createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req, socket, head) => {
    tunnels.push(req.url ?? '');
    proxyAuth.push(req.headers['proxy-authorization']);
    if (req.url?.startsWith('forbidden')) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
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
  let tlsRegistryHost = '';
  let proxyURL = '';
  beforeAll(async () => {
    registryHost = await listen(registry);
    tlsRegistryHost = await listen(tlsRegistry);
    proxyURL = `http://${await listen(proxy)}`;
  });
  afterAll(() => {
    registry.close();
    tlsRegistry.close();
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

  it('speaks TLS to the registry inside the tunnel with the same trust settings as a direct connection', async () => {
    const client = new RegistryClient({
      maxAttempts: 1,
      tagsTtlMs: 0,
      proxy: { httpsProxy: proxyURL.replace('http://', 'http://bot:s%40cret@') },
    });
    tunnels.length = 0;
    proxyAuth.length = 0;
    const untrusted = await client.listTags(`${tlsRegistryHost}/app`, { plainHTTP: false }).catch((e) => e);
    expect(untrusted).toBeInstanceOf(RegistryError);
    expect((untrusted as RegistryError).kind).toBe('tls');
    expect(await client.listTags(`${tlsRegistryHost}/app`, { plainHTTP: false, caBundle: cert })).toEqual([
      'v1',
      'v2',
    ]);
    expect(
      await client.listTags(`${tlsRegistryHost}/app`, { plainHTTP: false, insecureSkipTLSVerify: true }),
    ).toEqual(['v1', 'v2']);
    expect(tunnels).toEqual([tlsRegistryHost, tlsRegistryHost, tlsRegistryHost]);
    expect(proxyAuth[0]).toBe(`Basic ${Buffer.from('bot:s@cret').toString('base64')}`);
    await client.close();
  });

  it('says so when the proxy refuses the tunnel', async () => {
    const client = new RegistryClient({ maxAttempts: 1, proxy: { httpProxy: proxyURL } });
    const err = (await client
      .listTags('forbidden:5000/app', { plainHTTP: true })
      .catch((e) => e)) as RegistryError;
    expect(err.kind).toBe('network');
    expect(err.transient).toBe(false);
    expect(err.message).toContain('refused the tunnel to forbidden:5000 (HTTP/1.1 403 Forbidden)');
    await client.close();
  });
});
