// What fetch did for the registry client and node:http does not do by itself, against real local servers:
// redirects followed (credentials kept within the origin), compressed bodies decoded, the deadline
// aborting a body that is still streaming.
import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createAgents } from './agents.js';
import { exchange, MAX_REDIRECTS } from './exchange.js';

const servers: Server[] = [];
const agents = createAgents({ insecureSkipTLSVerify: false, caBundle: undefined }, 2_000, {});

async function serve(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});
afterAll(() => {
  agents.http.destroy();
  agents.https.destroy();
});

const read = async (body: AsyncIterable<Uint8Array>) => {
  const chunks: Uint8Array[] = [];
  for await (const c of body) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
};

const send = (url: string, method = 'GET', headers: Record<string, string> = {}, signal?: AbortSignal) =>
  exchange({ method, url, headers, agents, signal: signal ?? AbortSignal.timeout(5_000) });

describe('redirects', () => {
  it('follows them to another origin without the Authorization header, and names the final URL', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const storage = await serve((req, res) => {
      seen.push(req.headers);
      res.end('blob');
    });
    const registry = await serve((req, res) => {
      seen.push(req.headers);
      if (req.url === '/v2/app/blobs/sha256:1') {
        res.writeHead(307, { location: '/v2/app/blobs/moved' }).end();
      } else {
        res.writeHead(302, { location: `${storage}/data?sig=1` }).end('redirect body');
      }
    });
    const res = await send(`${registry}/v2/app/blobs/sha256:1`, 'GET', {
      Authorization: 'Bearer secret',
      'X-Other': 'kept',
    });
    expect(res.status).toBe(200);
    expect(res.url).toBe(`${storage}/data?sig=1`);
    expect(await read(res.body)).toBe('blob');
    expect(seen.map((h) => h.authorization)).toEqual(['Bearer secret', 'Bearer secret', undefined]);
    expect(seen.map((h) => h['x-other'])).toEqual(['kept', 'kept', 'kept']);
  });

  it('turns a POST into a GET after a 303 and fails after too many redirects', async () => {
    const methods: string[] = [];
    const loop = await serve((req, res) => {
      methods.push(`${req.method} ${req.url}`);
      if (req.url === '/token') res.writeHead(303, { location: '/token/get' }).end();
      else if (req.url === '/token/get') res.end('{"token":"t"}');
      else res.writeHead(302, { location: '/loop' }).end();
    });
    const token = await exchange({
      method: 'POST',
      url: `${loop}/token`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=refresh_token',
      agents,
      signal: AbortSignal.timeout(5_000),
    });
    expect(await read(token.body)).toBe('{"token":"t"}');
    expect(methods).toEqual(['POST /token', 'GET /token/get']);

    methods.length = 0;
    await expect(send(`${loop}/loop`)).rejects.toThrow('redirect count exceeded');
    expect(methods).toHaveLength(MAX_REDIRECTS + 1);
  });
});

describe('redirect: manual', () => {
  it('hands a redirect back with its body and never asks the place it points to', async () => {
    const elsewhere: string[] = [];
    const target = await serve((req, res) => {
      elsewhere.push(`${req.method} ${req.url}`);
      res.end('moved here');
    });
    const hook = await serve((_req, res) => {
      res.writeHead(301, { location: `${target}/hook` }).end('see there');
    });
    const res = await exchange({
      method: 'POST',
      url: `${hook}/services/secret`,
      headers: { 'content-type': 'application/json' },
      body: '{}',
      agents,
      signal: AbortSignal.timeout(5_000),
      redirect: 'manual',
    });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe(`${target}/hook`);
    expect(res.url).toBe(`${hook}/services/secret`);
    expect(await read(res.body)).toBe('see there');
    expect(elsewhere).toEqual([]);
  });
});

describe('bodies', () => {
  it('decodes a gzip body and passes a 3xx without Location through', async () => {
    const registry = await serve((req, res) => {
      if (req.url === '/not-modified') return void res.writeHead(304).end();
      expect(req.headers['accept-encoding']).toContain('gzip');
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'application/json' });
      res.end(gzipSync('{"tags":["1"]}'));
    });
    const res = await send(`${registry}/v2/app/tags/list`);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('x-absent')).toBeNull();
    expect(await read(res.body)).toBe('{"tags":["1"]}');
    expect((await send(`${registry}/not-modified`)).status).toBe(304);
  });

  it('aborts a body that is still streaming when the signal fires', async () => {
    const registry = await serve((_req, res) => {
      res.writeHead(200);
      res.write('start');
      // never ends
    });
    const deadline = new AbortController();
    const res = await send(`${registry}/endless`, 'GET', {}, deadline.signal);
    const reading = read(res.body);
    deadline.abort(new DOMException('deadline', 'TimeoutError'));
    await expect(reading).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});
