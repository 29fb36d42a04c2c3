// Alert POSTs against real local servers: an endless body costs at most the read limit, an error answer
// is quoted as a short excerpt, and what the node:http transport must keep from the fetch it replaced
// (redirects not followed, headers, TLS trust, timeouts, errors without secrets).
import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, loopbackCertificate, type ServerCert } from '../../test/integration/alerts/peers.js';
import { startHostilePeer, type HostilePeer } from '../../test/testenv/hostile.js';
import { DeliveryError } from './errors.js';
import { RESPONSE_READ_LIMIT, USER_AGENT, postJSON } from './http.js';

const peers: HostilePeer[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

async function peer(status: number): Promise<HostilePeer> {
  const p = await startHostilePeer((req, res, { streamEndless }) => {
    req.resume();
    res.writeHead(status, { 'content-type': 'text/plain' });
    streamEndless(res, 'invalid_payload ');
  });
  peers.push(p);
  return p;
}

const MiB = 1024 * 1024;

describe('postJSON against a peer that answers without end', () => {
  it('quotes 200 characters of an endless error answer and stops reading it', async () => {
    const p = await peer(500);
    const err = await postJSON({
      url: `http://${p.host}/hook`,
      body: '{}',
      headers: {},
      timeoutMs: 10_000,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DeliveryError);
    expect((err as DeliveryError).message).toMatch(new RegExp(`^${p.host}: HTTP 500: invalid_payload a+…$`));
    expect((err as DeliveryError).message.length).toBeLessThan(260);
    expect(p.bytesSent.get('/hook') ?? 0).toBeLessThan(RESPONSE_READ_LIMIT + 8 * MiB);
  });

  it('takes a success whose body never ends as delivered, reading only the limit', async () => {
    const p = await peer(200);
    const res = await postJSON({ url: `http://${p.host}/hook`, body: '{}', headers: {}, timeoutMs: 10_000 });
    expect(res.status).toBe(200);
    expect(res.body.length).toBeLessThanOrEqual(RESPONSE_READ_LIMIT);
    expect(p.bytesSent.get('/hook') ?? 0).toBeLessThan(RESPONSE_READ_LIMIT + 8 * MiB);
  });
});

describe('postJSON over the controller transport', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
  });
  async function serve(handler: RequestListener, tls?: ServerCert): Promise<string> {
    const server = tls ? createHttpsServer(tls, handler) : createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: unknown) => e as DeliveryError,
    );

  it('never calls the global fetch, and a configured header replaces ours whatever its case', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const bodies: string[] = [];
    const url = await serve((req, res) => {
      seen.push(req.headers);
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(body);
        res.end('ok');
      });
    });
    const realFetch = globalThis.fetch;
    let fetchCalls = 0;
    globalThis.fetch = () => {
      fetchCalls++;
      return Promise.reject(new Error('global fetch called'));
    };
    try {
      const res = await postJSON({
        url: `${url}/hook`,
        body: '{"text":"hi"}',
        headers: { 'User-Agent': 'acme-relay/2', 'X-Custom': 'yes' },
        timeoutMs: 5_000,
      });
      expect(res).toEqual({ status: 200, body: 'ok' });
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(fetchCalls).toBe(0);
    expect(bodies).toEqual(['{"text":"hi"}']);
    expect(seen[0]).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'acme-relay/2',
      'x-custom': 'yes',
    });
    expect(USER_AGENT).toBe('tagpilot-alerts/1');
  });

  it('does not follow a redirect: the place it points to gets nothing, and the URL path is not quoted', async () => {
    const elsewhere: string[] = [];
    const target = await serve((req, res) => {
      elsewhere.push(`${req.method} ${req.url}`);
      res.end('ok');
    });
    const hook = await serve((req, res) => {
      req.resume();
      res.writeHead(302, { location: `${target}/collect` }).end(`moved from ${req.url}`);
    });
    const err = await failure(
      postJSON({ url: `${hook}/services/sekrit-path`, body: '{}', headers: {}, timeoutMs: 5_000 }),
    );
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err!.message).toMatch(
      /^127\.0\.0\.1:\d+: HTTP 302: .*\(redirect not followed: configure the final URL\)$/,
    );
    expect(err!.message).not.toContain('sekrit-path');
    expect(err!.retriable).toBe(false);
    expect(elsewhere).toEqual([]);
  });

  it('says the certificate is not trusted, and does not retry', async () => {
    const url = await serve((_req, res) => res.end('ok'), loopbackCertificate());
    const err = await failure(postJSON({ url: `${url}/hook`, body: '{}', headers: {}, timeoutMs: 5_000 }));
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err!.message).toMatch(/^127\.0\.0\.1:\d+: TLS certificate not trusted \([A-Z_]+\)$/);
    expect(err!.retriable).toBe(false);
  });

  it('gives up on a body that stops half way, and on a port nobody listens on', async () => {
    const url = await serve((req, res) => {
      req.resume();
      res.writeHead(500);
      res.write('partial');
      // never ends
    });
    const slow = await failure(postJSON({ url: `${url}/hook`, body: '{}', headers: {}, timeoutMs: 300 }));
    expect(slow!.message).toMatch(/^127\.0\.0\.1:\d+: response not complete within 300 ms$/);
    expect(slow!.retriable).toBe(true);

    const port = await freePort();
    const refused = await failure(
      postJSON({ url: `http://127.0.0.1:${port}/hook`, body: '{}', headers: {}, timeoutMs: 5_000 }),
    );
    expect(refused!.message).toBe(`127.0.0.1:${port}: connection refused`);
    expect(refused!.retriable).toBe(true);
  });

  it('refuses a header value with a line break without quoting it', async () => {
    const url = await serve((_req, res) => res.end('ok'));
    const err = await failure(
      postJSON({
        url: `${url}/hook`,
        body: '{}',
        headers: { 'X-Token': 'sekrit\r\nX-Injected: 1' },
        timeoutMs: 5_000,
      }),
    );
    expect(err!.message).toMatch(/^127\.0\.0\.1:\d+: a header cannot be sent \(.*x-token.*\)/i);
    expect(err!.message).not.toContain('sekrit');
    expect(err!.retriable).toBe(false);
  });
});
