// Body limits, deadlines and the per-host breaker against real local HTTP and TCP servers (nock cannot
// stream without end, hang a TCP connection or count what a server really had to write).
import { afterEach, describe, expect, it } from 'vitest';
import { startHostilePeer, startSilentPeer, type HostilePeer } from '../../test/testenv/hostile.js';
import { RegistryClient } from './client.js';
import { RegistryError, RegistryResponseTooLargeError, RegistryTimeoutError } from './errors.js';
import { BODY_LIMITS, MiB } from './limits.js';
import { MediaTypes } from './manifest.js';

const peers: { close(): Promise<void> }[] = [];
const clients: RegistryClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

function client(options: ConstructorParameters<typeof RegistryClient>[0] = {}): RegistryClient {
  const c = new RegistryClient({ tagsTtlMs: 0, digestTtlMs: 0, ...options });
  clients.push(c);
  return c;
}

async function peer(handler: Parameters<typeof startHostilePeer>[0]): Promise<HostilePeer> {
  const p = await startHostilePeer(handler);
  peers.push(p);
  return p;
}

async function caught(promise: Promise<unknown>): Promise<RegistryError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof RegistryError) return err;
    throw err;
  }
  throw new Error('expected a RegistryError, got success');
}

const sent = (p: HostilePeer, path: string) => p.bytesSent.get(path) ?? 0;

describe('body limits, enforced while streaming', () => {
  it('stops reading an endless tag list at 16 MiB and says so without blaming the network', async () => {
    const registry = await peer((_req, res, { streamEndless }) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      streamEndless(res, '{"name":"app","tags":["');
    });
    const err = await caught(client().listTags(`${registry.host}/app`));
    expect(err).toBeInstanceOf(RegistryResponseTooLargeError);
    expect(err.kind).toBe('bad-response');
    expect(err.message).toBe(
      `response too large: the tags of ${registry.host}/app from ${registry.host} exceeded 16 MiB; Tagpilot stops reading there (limits in docs/registries.md): a tag list that large means hundreds of thousands of tags or a server that is not a registry: prune old tags or check spec.image`,
    );
    expect(err.message).not.toMatch(/network|reach|did not answer/);
    // The server could write only what fits in the socket buffers after the client hung up.
    expect(sent(registry, '/v2/app/tags/list')).toBeLessThan(BODY_LIMITS.tags + 8 * MiB);
  });

  it('names each repository: requests that waited for the auth probe do not inherit its too-large error', async () => {
    const registry = await peer((_req, res, { streamEndless }) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      streamEndless(res, '{"tags":["');
    });
    const c = client();
    const errors = await Promise.all(
      ['one', 'two', 'three'].map((r) => caught(c.listTags(`${registry.host}/${r}`))),
    );
    expect(errors.map((e) => /the tags of \S+\/(\w+) from/.exec(e.message)?.[1])).toEqual([
      'one',
      'two',
      'three',
    ]);
  });

  it('refuses an announced 5 GB body before reading it', async () => {
    const registry = await peer((_req, res, { streamEndless }) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(5e9) });
      streamEndless(res, '{"tags":["');
    });
    const err = await caught(client().listTags(`${registry.host}/app`));
    expect(err).toBeInstanceOf(RegistryResponseTooLargeError);
    expect(err.message).toContain('exceeded 16 MiB (it announced 4768 MiB)');
    expect(sent(registry, '/v2/app/tags/list')).toBeLessThan(8 * MiB);
  });

  it('counts every page of a tag list against one budget, so endless pages end too', async () => {
    let page = 0;
    const registry = await peer((_req, res) => {
      page++;
      // 1 MiB of tags per page, each page linking to a new one.
      const tags = Array.from({ length: 1024 }, (_, i) => `p${page}-${i}-${'x'.repeat(1000)}`);
      res.writeHead(200, {
        'content-type': 'application/json',
        link: `</v2/app/tags/list?last=p${page}&n=1000>; rel="next"`,
      });
      res.end(JSON.stringify({ name: 'app', tags }));
    });
    const err = await caught(client().listTags(`${registry.host}/app`));
    expect(err).toBeInstanceOf(RegistryResponseTooLargeError);
    expect(err.message).toContain('exceeded 16 MiB (all pages together)');
    expect(page).toBeLessThanOrEqual(17);
  });

  it('stops reading an endless manifest at 4 MiB when HEAD gave no digest', async () => {
    const registry = await peer((req, res, { streamEndless }) => {
      res.writeHead(200, { 'content-type': MediaTypes.ociManifest });
      if (req.method === 'HEAD') res.end();
      else streamEndless(res, '{"schemaVersion":2,"config":{"digest":"');
    });
    const err = await caught(client().getDigest(`${registry.host}/app`, 'v1'));
    expect(err).toBeInstanceOf(RegistryResponseTooLargeError);
    expect(err.message).toMatch(
      new RegExp(
        `^response too large: the manifest of ${registry.host}/app:v1 from ${registry.host} exceeded 4 MiB;`,
      ),
    );
    expect(sent(registry, '/v2/app/manifests/v1')).toBeLessThan(BODY_LIMITS.manifest_get + 8 * MiB);
  });

  it('stops reading an endless token response at 1 MiB', async () => {
    const registry = await peer((req, res, { streamEndless }) => {
      if (req.url?.startsWith('/token')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        streamEndless(res, '{"token":"');
        return;
      }
      const host = req.headers.host ?? '';
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${host}/token",service="test"` });
      res.end();
    });
    const err = await caught(client().listTags(`${registry.host}/app`));
    expect(err).toBeInstanceOf(RegistryResponseTooLargeError);
    expect(err.message).toContain(
      `a pull token for ${registry.host}/app from ${registry.host} exceeded 1 MiB`,
    );
    expect(sent(registry, '/token')).toBeLessThan(BODY_LIMITS.token + 8 * MiB);
  });

  it('quotes only an excerpt of an endless error answer and closes the connection', async () => {
    const registry = await peer((_req, res, { streamEndless }) => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      streamEndless(res, 'no such repository ');
    });
    const err = await caught(client().listTags(`${registry.host}/app`));
    expect(err.kind).toBe('not-found');
    expect(err.message).toMatch(/\(no such repository a{100,}…\); check spec\.image$/);
    expect(err.message.length).toBeLessThan(400);
    expect(sent(registry, '/v2/app/tags/list')).toBeLessThan(8 * MiB);
  });
});

describe('answers that are not JSON', () => {
  const loginPage = `<!DOCTYPE html><html><head><title>Sign in - Corporate SSO</title>
    <script>var secret = "do-not-quote";</script></head><body><form>${'<input>'.repeat(500)}</form></body></html>`;

  it('reports an HTML page as one, with status, type and title, not as invalid JSON', async () => {
    const registry = await peer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(loginPage);
    });
    const err = await caught(client().listTags(`${registry.host}/app`));
    expect(err.kind).toBe('bad-response');
    expect(err.message).toBe(
      `registry ${registry.host} answered 200 with text/html ("Sign in - Corporate SSO") instead of JSON for the tags of ${registry.host}/app; check that the image's registry is an OCI registry API and not a web page, proxy or login wall in front of it`,
    );
  });

  it('describes an HTML error page by its status, type and a short text excerpt', async () => {
    const registry = await peer((_req, res) => {
      res.writeHead(403, { 'content-type': 'text/html' });
      res.end(
        `<html><body><h1>Forbidden</h1><script>leak()</script><p>${'blocked by policy '.repeat(50)}</p></body></html>`,
      );
    });
    const err = await caught(client().listTags(`${registry.host}/app`));
    expect(err.kind).toBe('auth');
    const quoted = /text\/html: "([^"]*)"/.exec(err.message)?.[1] ?? '';
    expect(quoted).toMatch(/^Forbidden blocked by policy/);
    expect(quoted.length).toBeLessThanOrEqual(200);
    expect(err.message).not.toContain('leak()');
    expect(err.message).not.toContain('<');
  });
});

describe('a registry that never answers', () => {
  it('fails after one deadline that the message states, then fails at once until the cool-down ends', async () => {
    const silent = await startSilentPeer();
    peers.push(silent);
    const c = client({ timeoutMs: 400, breakerCooldownMs: 1_500, maxAttempts: 3 });
    const started = Date.now();
    const first = await caught(c.listTags(`${silent.host}/a`));
    const waited = Date.now() - started;
    expect(first).toBeInstanceOf(RegistryTimeoutError);
    expect(first.message).toBe(
      `registry ${silent.host} did not answer the tags of ${silent.host}/a within 0.4 s`,
    );
    // One deadline, not three attempts of it: the message tells the truth.
    expect(waited).toBeGreaterThanOrEqual(390);
    expect(waited).toBeLessThan(1_200);
    expect(silent.requests()).toBe(1);

    const again = Date.now();
    const second = await caught(c.listTags(`${silent.host}/b`));
    expect(Date.now() - again).toBeLessThan(200);
    expect(second).toBeInstanceOf(RegistryTimeoutError);
    expect(second.message).toContain(
      `registry ${silent.host} did not answer a request within 0.4 s; requests to it fail at once for 1.5 s`,
    );
    expect(silent.requests()).toBe(1);

    // After the cool-down one request tries again (and times out again).
    await new Promise((r) => setTimeout(r, 1_600));
    const third = await caught(c.listTags(`${silent.host}/c`));
    expect(third.message).toContain('within 0.4 s');
    expect(silent.requests()).toBe(2);
  });

  it('fails the requests waiting for the auth probe with its failure instead of probing one after another', async () => {
    const silent = await startSilentPeer();
    peers.push(silent);
    // A cool-down shorter than a deadline: the waiters must not reach the host even without the breaker.
    const c = client({ timeoutMs: 500, breakerCooldownMs: 1 });
    const started = Date.now();
    const errors = await Promise.all(
      Array.from({ length: 6 }, (_, i) => caught(c.listTags(`${silent.host}/repo${i}`))),
    );
    const waited = Date.now() - started;
    expect(errors.every((e) => e instanceof RegistryTimeoutError)).toBe(true);
    // In series it would have been 6 deadlines; all of them share the probe's one.
    expect(waited).toBeLessThan(1_400);
    expect(silent.requests()).toBe(1);
  });
});
