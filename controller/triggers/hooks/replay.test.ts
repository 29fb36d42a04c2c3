// Signed timestamps (replay window), content types (415) and the ops server's connection limits.
import { createHmac } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpsServer } from '../../../common/ops-server.js';
import { createHookHandler } from './handler.js';

const SECRET = 'generic-replay-secret-42';
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const hmac = (payload: string) => `sha256=${createHmac('sha256', SECRET).update(payload).digest('hex')}`;
const body = JSON.stringify({ repository: 'registry.example.com/team/app', tag: 'v1.2.3' });

let base: string;
let server: Awaited<ReturnType<typeof startOpsServer>>;
let triggered = 0;

beforeAll(async () => {
  const handler = createHookHandler({
    onHook: () => {
      triggered++;
      return Promise.resolve({
        matched: 1,
        results: [{ image: 'ns/app', accepted: true, reason: 'queued' }],
      });
    },
    secrets: { generic: [SECRET] },
    replayWindowMs: 5 * 60_000,
    now: () => NOW,
  });
  server = await startOpsServer({
    host: '127.0.0.1',
    port: 0,
    ready: () => true,
    handle: handler,
    headersTimeoutMs: 500,
    requestTimeoutMs: 1_000,
    maxConnections: 3,
  });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(() => server.close());

async function post(headers: Record<string, string>, payload = body) {
  const res = await fetch(`${base}/v1/hooks/generic`, { method: 'POST', body: payload, headers });
  return { status: res.status, json: (await res.json()) as { error?: string } };
}

describe('signed timestamps', () => {
  const json = { 'content-type': 'application/json' };

  it('accepts a request signed over "<timestamp>.<body>" within the window', async () => {
    const ts = String(NOW / 1000 - 60);
    const before = triggered;
    const res = await post({
      ...json,
      'x-tagpilot-timestamp': ts,
      'x-tagpilot-signature': hmac(`${ts}.${body}`),
    });
    expect(res.status).toBe(202);
    expect(triggered).toBe(before + 1);
  });

  it('refuses the same signed request replayed after the window with 401', async () => {
    const ts = String(NOW / 1000 - 301);
    const before = triggered;
    const res = await post({
      ...json,
      'x-tagpilot-timestamp': ts,
      'x-tagpilot-signature': hmac(`${ts}.${body}`),
    });
    expect(res.status).toBe(401);
    expect(res.json.error).toMatch(/X-Tagpilot-Timestamp is 301 s away .* outside the 300 s replay window/);
    expect(triggered).toBe(before);
  });

  it('refuses a timestamp swapped for a fresh one (the signature covers it)', async () => {
    const old = String(NOW / 1000 - 3600);
    const res = await post({
      ...json,
      'x-tagpilot-timestamp': String(NOW / 1000),
      'x-tagpilot-signature': hmac(`${old}.${body}`),
    });
    expect(res.status).toBe(401);
    expect(res.json.error).toMatch(/does not match "<X-Tagpilot-Timestamp>.<body>"/);
  });

  it('refuses a timestamp-signed request whose header was dropped', async () => {
    const ts = String(NOW / 1000);
    const res = await post({ ...json, 'x-tagpilot-signature': hmac(`${ts}.${body}`) });
    expect(res.status).toBe(401);
  });

  it('still accepts a body-only signature without a timestamp', async () => {
    const res = await post({ ...json, 'x-tagpilot-signature': hmac(body) });
    expect(res.status).toBe(202);
  });

  it('says what a timestamp that is not Unix seconds should be', async () => {
    const ts = '2026-01-15T12:00:00Z';
    const res = await post({
      ...json,
      'x-tagpilot-timestamp': ts,
      'x-tagpilot-signature': hmac(`${ts}.${body}`),
    });
    expect(res.status).toBe(401);
    expect(res.json.error).toMatch(/not Unix seconds/);
  });
});

describe('content types', () => {
  it.each(['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x'])(
    '%s gets 415 with the fix',
    async (type) => {
      const res = await post({ 'content-type': type, 'x-tagpilot-signature': hmac(body) });
      expect(res.status).toBe(415);
      expect(res.json.error).toMatch(/send the JSON payload as application\/json/);
    },
  );

  it.each(['application/json; charset=utf-8', 'application/vnd.docker.distribution.events.v1+json'])(
    '%s is JSON',
    async (type) => {
      const res = await post({ 'content-type': type, 'x-tagpilot-signature': hmac(body) });
      expect(res.status).toBe(202);
    },
  );
});

describe('connection limits', () => {
  it('sets explicit timeouts and a connection cap', () => {
    expect(server.server.requestTimeout).toBe(1_000);
    expect(server.server.headersTimeout).toBe(500);
    expect(server.server.keepAliveTimeout).toBe(5_000);
    expect(server.server.maxConnections).toBe(3);
  });

  it('closes a connection that never finishes its headers', async () => {
    const socket = connect(server.port, '127.0.0.1');
    socket.write('POST /v1/hooks/generic HTTP/1.1\r\nHost: x\r\n');
    const closed = await new Promise<string>((resolve) => {
      let data = '';
      socket.on('data', (d: Buffer) => (data += d.toString()));
      socket.on('close', () => resolve(data));
      setTimeout(() => resolve('still open'), 10_000).unref();
    });
    expect(closed).not.toBe('still open');
  });
});
