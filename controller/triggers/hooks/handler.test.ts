import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { metricsRegistry } from '../../../common/metrics.js';
import { startOpsServer } from '../../../common/ops-server.js';
import { createHookHandler } from './handler.js';
import type { HookSecrets } from './secrets.js';
import type { HookEvent, HookMatch } from './types.js';

const SECRETS = {
  default: ['default-secret-f00d'],
  generic: ['generic-secret-0123456789'],
  github: ['github-secret-abcdef'],
  harbor: ['harbor-secret-old', 'harbor-secret-new'],
} satisfies HookSecrets;

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
const sign = (body: Buffer | string, secret: string) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

// A real HTTP server on loopback, with the handler mounted the way the controller mounts it.
let base: string;
let close: () => Promise<void>;
let calls: HookEvent[] = [];
let answer: (event: HookEvent) => Promise<HookMatch> = async () => accepting(1);

/** An answer in which `n` Images accepted the hook (and `rejected` more did not). */
function accepting(n: number, rejected = 0): HookMatch {
  const results = [
    ...Array.from({ length: n }, (_, i) => ({ image: `ns/img-${i}`, accepted: true, reason: 'ok' })),
    ...Array.from({ length: rejected }, (_, i) => ({ image: `ns/no-${i}`, accepted: false, reason: 'no' })),
  ];
  return { matched: n + rejected, results };
}
let secrets: HookSecrets = SECRETS;
const logLines: string[] = [];

beforeAll(async () => {
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logLines.push(chunk.toString());
        callback();
      },
    }),
  );
  const handler = createHookHandler({
    onHook: (event) => {
      calls.push(event);
      return answer(event);
    },
    secrets: () => secrets,
    maxBodyBytes: 64 * 1024,
    logger,
  });
  const server = await startOpsServer({ host: '127.0.0.1', port: 0, ready: () => true, handle: handler });
  base = `http://127.0.0.1:${server.port}`;
  close = server.close;
});
afterAll(async () => {
  await close();
});
beforeEach(() => {
  calls = [];
  answer = async () => accepting(1);
  secrets = SECRETS;
});

async function post(path: string, body: Buffer | string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>),
    res,
  };
}

async function counter(source: string, outcome: string): Promise<number> {
  const metric = (await metricsRegistry.getMetricsAsJSON()).find(
    (m) => m.name === 'tagpilot_hooks_received_total',
  );
  return metric?.values.find((v) => v.labels.source === source && v.labels.outcome === outcome)?.value ?? 0;
}

/** A correctly authenticated request per receiver, built from its real-payload fixture. */
const good: Record<string, () => { path: string; body: Buffer; headers: Record<string, string> }> = {
  generic: () => {
    const body = fixture('generic.json');
    return {
      path: '/v1/hooks/generic',
      body,
      headers: { 'x-tagpilot-signature': sign(body, 'generic-secret-0123456789') },
    };
  },
  github: () => {
    const body = fixture('github-package-published.json');
    return {
      path: '/v1/hooks/github',
      body,
      headers: {
        'x-github-event': 'package',
        'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
        'x-hub-signature-256': sign(body, 'github-secret-abcdef'),
        'user-agent': 'GitHub-Hookshot/044aadd',
      },
    };
  },
  dockerhub: () => ({
    path: '/v1/hooks/dockerhub?token=default-secret-f00d',
    body: fixture('dockerhub-push.json'),
    headers: {},
  }),
  quay: () => ({
    path: '/v1/hooks/quay?token=default-secret-f00d',
    body: fixture('quay-repo-push.json'),
    headers: {},
  }),
  harbor: () => ({
    path: '/v1/hooks/harbor',
    body: fixture('harbor-push-artifact.json'),
    headers: { authorization: 'harbor-secret-new' },
  }),
  distribution: () => ({
    path: '/v1/hooks/distribution',
    body: fixture('distribution-push.json'),
    headers: {
      'content-type': 'application/vnd.docker.distribution.events.v1+json',
      authorization: 'Bearer default-secret-f00d',
    },
  }),
};

const expectedRepository: Record<string, string> = {
  generic: 'ghcr.io/acme/web',
  github: 'ghcr.io/acme-corp/web',
  dockerhub: 'docker.io/acme/web',
  quay: 'quay.io/acme/web',
  harbor: 'harbor.example.com/team/app',
  distribution: 'registry.example.com:5000/team/api',
};

describe('webhook receivers over HTTP', () => {
  it.each(Object.keys(good))(
    '%s: an authenticated push triggers and answers 202 with the count',
    async (source) => {
      const before = await counter(source, 'triggered');
      answer = async () => accepting(3);
      const { path, body, headers } = good[source]!();
      const res = await post(path, body, headers);
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({
        triggered: 3,
        matched: 3,
        repositories: [expectedRepository[source]],
      });
      expect(calls).toEqual([expect.objectContaining({ source, repository: expectedRepository[source] })]);
      expect(await counter(source, 'triggered')).toBe(before + 1);
    },
  );

  it.each(Object.keys(good))('%s: a bad signature or token is 401 and triggers nothing', async (source) => {
    const before = await counter(source, 'unauthorized');
    const { path, body, headers } = good[source]!();
    const tampered = Buffer.concat([body, Buffer.from(' ')]);
    const forged =
      source === 'generic' || source === 'github'
        ? await post(path, tampered, headers) // the signature no longer matches the body
        : await post(path.replace(/token=[^&]*/, 'token=wrong'), body, {
            ...headers,
            authorization: 'Bearer wrong',
          });
    expect(forged.status).toBe(401);
    expect(forged.body?.error).toMatch(/^authentication failed: /);

    const bare = await post(path.replace(/\?.*$/, ''), body, { 'x-github-event': 'package' });
    expect(bare.status).toBe(401);
    expect(calls).toEqual([]);
    expect(await counter(source, 'unauthorized')).toBe(before + 2);
  });

  it('rejects a generic hook signed with another receiver’s secret', async () => {
    const body = fixture('generic.json');
    const res = await post('/v1/hooks/generic', body, {
      'x-tagpilot-signature': sign(body, 'default-secret-f00d'),
    });
    expect(res.status).toBe(401);
    expect(res.body?.error).toMatch(/X-Tagpilot-Signature signature does not match/);
    const malformed = await post('/v1/hooks/generic', body, { 'x-tagpilot-signature': 'sha1=abc' });
    expect(malformed.body?.error).toMatch(/not "sha256=" and 64 hex digits/);
    expect(calls).toEqual([]);
  });

  it('accepts every secret of a rotation', async () => {
    for (const secret of ['harbor-secret-old', 'harbor-secret-new']) {
      const res = await post('/v1/hooks/harbor', fixture('harbor-push-artifact.json'), {
        authorization: secret,
      });
      expect(res.status).toBe(202);
    }
    expect(calls).toHaveLength(2);
  });

  it('answers 413 to an oversized body, declared or streamed, without triggering', async () => {
    const big = Buffer.alloc(64 * 1024 + 1, 0x20);
    const declared = await post('/v1/hooks/generic', big, {
      'x-tagpilot-signature': sign(big, 'generic-secret-0123456789'),
    });
    expect(declared.status).toBe(413);
    expect(declared.body?.error).toMatch(/larger than 65536 bytes/);

    const chunks = [big.subarray(0, 40_000), big.subarray(40_000)];
    const stream = new ReadableStream({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
    const res = await fetch(`${base}/v1/hooks/dockerhub?token=default-secret-f00d`, {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    await res.arrayBuffer();
    expect(calls).toEqual([]);
  });

  it('answers 400 with a JSON error to malformed JSON and to payloads it cannot read', async () => {
    const broken = Buffer.from('{"repository": "ghcr.io/acme/web",');
    const res = await post('/v1/hooks/generic', broken, {
      'x-tagpilot-signature': sign(broken, 'generic-secret-0123456789'),
    });
    expect(res.status).toBe(400);
    expect(res.res.headers.get('content-type')).toBe('application/json');
    expect(res.body?.error).toMatch(/^the body is not valid JSON: /);

    const shapeless = Buffer.from('{"repo": "ghcr.io/acme/web"}');
    const res2 = await post('/v1/hooks/generic', shapeless, {
      'x-tagpilot-signature': sign(shapeless, 'generic-secret-0123456789'),
    });
    expect(res2).toMatchObject({ status: 400, body: { error: expect.stringMatching(/no repository/) } });
    expect(calls).toEqual([]);
  });

  it('answers 202 with triggered 0 for a repository no Image follows', async () => {
    answer = async () => accepting(0);
    const body = Buffer.from('{"repository": "ghcr.io/nobody/nothing"}');
    const res = await post('/v1/hooks/generic', body, {
      'x-tagpilot-signature': sign(body, 'generic-secret-0123456789'),
    });
    expect(res).toMatchObject({
      status: 202,
      body: { triggered: 0, matched: 0, results: [], repositories: ['ghcr.io/nobody/nothing'] },
    });
    expect(calls).toHaveLength(1);
  });

  it('answers 202 with every Image rejecting the tag, and says why', async () => {
    const before = await counter('generic', 'rejected');
    answer = async () => ({
      matched: 1,
      results: [
        {
          image: 'ns/web',
          tag: 'main-1',
          accepted: false,
          reason: 'tag main-1 does not match tagFilter.include ^v',
        },
      ],
    });
    const body = Buffer.from('{"repository": "ghcr.io/acme/web", "tag": "main-1"}');
    const res = await post('/v1/hooks/generic', body, {
      'x-tagpilot-signature': sign(body, 'generic-secret-0123456789'),
    });
    expect(res).toMatchObject({
      status: 202,
      body: {
        triggered: 0,
        matched: 1,
        results: [{ image: 'ns/web', accepted: false, reason: expect.stringMatching(/tagFilter.include/) }],
      },
    });
    expect(await counter('generic', 'rejected')).toBe(before + 1);
  });

  it('answers GitHub pings with 200 and ignores other events with 202', async () => {
    const ping = fixture('github-ping.json');
    const res = await post('/v1/hooks/github', ping, {
      'x-github-event': 'ping',
      'x-hub-signature-256': sign(ping, 'github-secret-abcdef'),
    });
    expect(res).toMatchObject({ status: 200, body: { ok: true } });

    const npm = fixture('github-package-npm.json');
    const ignored = await post('/v1/hooks/github', npm, {
      'x-github-event': 'package',
      'x-hub-signature-256': sign(npm, 'github-secret-abcdef'),
    });
    expect(ignored).toMatchObject({
      status: 202,
      body: { triggered: 0, ignored: expect.stringMatching(/not a container/) },
    });
    expect(calls).toEqual([]);
  });

  it('applies ?registry= to Distribution events and rejects a bad one', async () => {
    const body = fixture('distribution-push.json');
    const res = await post('/v1/hooks/distribution?registry=registry.internal:5000', body, {
      authorization: 'Bearer default-secret-f00d',
    });
    expect(res.body).toMatchObject({ triggered: 1, repositories: ['registry.internal:5000/team/api'] });
    const bad = await post('/v1/hooks/distribution?registry=not%20a%20host', body, {
      authorization: 'Bearer default-secret-f00d',
    });
    expect(bad).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/is not a registry host/) },
    });
  });

  it('disables a receiver without a secret (404), whatever the request carries', async () => {
    secrets = { generic: ['only-generic'] };
    const res = await post('/v1/hooks/quay?token=default-secret-f00d', fixture('quay-repo-push.json'));
    expect(res.status).toBe(404);
    expect(res.body?.error).toMatch(/quay receiver is disabled/);
    expect(calls).toEqual([]);
  });

  it('answers 503 when the controller cannot take the hook', async () => {
    answer = async () => {
      throw new Error('not the leader');
    };
    const { path, body, headers } = good.dockerhub!();
    const res = await post(path, body, headers);
    expect(res).toMatchObject({ status: 503, body: { error: expect.stringMatching(/retry later/) } });
  });

  it('routes: unknown sources 404, other methods 405, other paths fall through', async () => {
    expect((await post('/v1/hooks/gitlab', '{}')).status).toBe(404);
    const get = await fetch(`${base}/v1/hooks/generic`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    await get.arrayBuffer();
    const other = await fetch(`${base}/v2/hooks/generic`, { method: 'POST', body: '{}' });
    expect([other.status, await other.text()]).toEqual([404, 'not found']);
    const metrics = await fetch(`${base}/metrics`);
    expect(await metrics.text()).toMatch(
      /tagpilot_hooks_received_total\{source="generic",outcome="method_not_allowed"\} 1/,
    );
  });

  it('never logs a secret, token or signature', () => {
    const log = logLines.join('');
    expect(log).toMatch(/webhook authentication failed/);
    expect(log).toMatch(/webhook received/);
    for (const secret of [...Object.values(SECRETS).flat(), 'wrong']) expect(log).not.toContain(secret);
    expect(log).not.toMatch(/sha256=[0-9a-f]{64}/);
    // The only token= in the logs is the placeholder of the help text.
    expect(log).not.toMatch(/token=(?!<secret>)/);
  });
});
