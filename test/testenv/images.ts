import { createHash, randomBytes } from 'node:crypto';
import type { RegistryInfo } from './types.js';

/**
 * Pushes synthetic images to a test registry over the plain Distribution API. Deliberately independent of
 * Tagpilot's own registry client: fixtures must not be prepared by the code under test.
 */

export const mediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

export interface PushResult {
  /** Digest of what the tag points to (the manifest, or the index for multi-platform pushes). */
  digest: string;
  /** Per-platform manifest digests (`os/arch[/variant]` → digest); one entry for single-platform pushes. */
  platformDigests: Record<string, string>;
}

const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** Authenticated fetch against a test registry: Basic for htpasswd, the Bearer challenge for token mode. */
export class RegistrySession {
  private tokens = new Map<string, string>();
  constructor(private readonly registry: RegistryInfo) {}

  async fetch(repo: string, path: string, init: RequestInit = {}): Promise<Response> {
    const url = path.startsWith('http') ? path : `http://${this.registry.host}${path}`;
    const headers = new Headers(init.headers);
    const { username, password, mode } = this.registry;
    const basic = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    if (mode === 'basic') headers.set('authorization', basic);
    const cached = this.tokens.get(repo);
    if (mode === 'token' && cached) headers.set('authorization', `Bearer ${cached}`);
    let res = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(30_000) });
    if (res.status === 401 && mode === 'token') {
      const challenge = res.headers.get('www-authenticate') ?? '';
      await res.arrayBuffer();
      const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      const tokenURL = new URL(params.realm ?? '');
      tokenURL.searchParams.set('service', params.service ?? '');
      tokenURL.searchParams.set('scope', `repository:${repo}:pull,push`);
      const tokenRes = await fetch(tokenURL, { headers: { authorization: basic } });
      if (!tokenRes.ok) throw new Error(`token realm answered ${tokenRes.status}`);
      const token = ((await tokenRes.json()) as { token: string }).token;
      this.tokens.set(repo, token);
      headers.set('authorization', `Bearer ${token}`);
      res = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(30_000) });
    }
    return res;
  }

  async pushBlob(repo: string, data: Buffer): Promise<{ digest: string; size: number }> {
    const digest = sha256(data);
    const head = await this.fetch(repo, `/v2/${repo}/blobs/${digest}`, { method: 'HEAD' });
    if (head.ok) return { digest, size: data.length };
    const start = await this.fetch(repo, `/v2/${repo}/blobs/uploads/`, { method: 'POST' });
    await start.arrayBuffer();
    if (start.status !== 202) throw new Error(`starting blob upload to ${repo}: HTTP ${start.status}`);
    const location = new URL(start.headers.get('location') ?? '', `http://${this.registry.host}`);
    location.searchParams.set('digest', digest);
    const put = await this.fetch(repo, location.toString(), {
      method: 'PUT',
      body: data,
      headers: { 'content-type': 'application/octet-stream' },
    });
    await put.arrayBuffer();
    if (put.status !== 201) throw new Error(`uploading blob ${digest} to ${repo}: HTTP ${put.status}`);
    return { digest, size: data.length };
  }

  async putManifest(repo: string, reference: string, manifest: object, mediaType: string): Promise<string> {
    const body = Buffer.from(JSON.stringify(manifest));
    const res = await this.fetch(repo, `/v2/${repo}/manifests/${reference}`, {
      method: 'PUT',
      body,
      headers: { 'content-type': mediaType },
    });
    const text = await res.text();
    if (res.status !== 201)
      throw new Error(`putting manifest ${repo}:${reference}: HTTP ${res.status} ${text}`);
    return sha256(body);
  }
}

async function pushPlatformManifest(
  session: RegistrySession,
  repo: string,
  platform: { os: string; architecture: string; variant?: string },
  seed: string,
  created?: string,
): Promise<{ manifest: object; digest: string; size: number }> {
  const layer = await session.pushBlob(
    repo,
    Buffer.from(`layer ${repo} ${seed} ${platform.os}/${platform.architecture}`),
  );
  const config = await session.pushBlob(
    repo,
    Buffer.from(
      JSON.stringify({
        ...(created ? { created } : {}),
        architecture: platform.architecture,
        os: platform.os,
        ...(platform.variant ? { variant: platform.variant } : {}),
        config: { Labels: { 'dev.tagpilot.test.seed': seed } },
        rootfs: { type: 'layers', diff_ids: [layer.digest] },
      }),
    ),
  );
  const manifest = {
    schemaVersion: 2,
    mediaType: mediaTypes.ociManifest,
    config: { mediaType: mediaTypes.ociConfig, digest: config.digest, size: config.size },
    layers: [{ mediaType: mediaTypes.ociLayer, digest: layer.digest, size: layer.size }],
  };
  const body = JSON.stringify(manifest);
  return { manifest, digest: sha256(body), size: Buffer.byteLength(body) };
}

function parsePlatform(p: string) {
  const [os, architecture, variant] = p.split('/');
  if (!os || !architecture) throw new Error(`platform "${p}" is not os/arch[/variant]`);
  return { os, architecture, ...(variant ? { variant } : {}) };
}

/**
 * Pushes `repo:tag`. Single-platform (linux/amd64) by default; with `platforms`, an OCI index whose
 * entries are per-platform manifests. A different `seed` gives different content, so re-pushing a tag with a
 * new seed moves it to a new digest (the `latest` re-push case). `created` is written into the image config
 * as its build time (RFC 3339), as `docker build` does; without it the config has none.
 */
export async function pushImage(
  registry: RegistryInfo,
  repo: string,
  tag: string,
  opts: { platforms?: string[]; seed?: string; created?: string } = {},
): Promise<PushResult> {
  const session = new RegistrySession(registry);
  const seed = opts.seed ?? randomBytes(6).toString('hex');
  if (!opts.platforms || opts.platforms.length === 0) {
    const m = await pushPlatformManifest(
      session,
      repo,
      { os: 'linux', architecture: 'amd64' },
      seed,
      opts.created,
    );
    const digest = await session.putManifest(repo, tag, m.manifest, mediaTypes.ociManifest);
    return { digest, platformDigests: { 'linux/amd64': digest } };
  }
  const platformDigests: Record<string, string> = {};
  const entries = [];
  for (const p of opts.platforms) {
    const platform = parsePlatform(p);
    const m = await pushPlatformManifest(session, repo, platform, seed, opts.created);
    await session.putManifest(repo, m.digest, m.manifest, mediaTypes.ociManifest);
    platformDigests[p] = m.digest;
    entries.push({ mediaType: mediaTypes.ociManifest, digest: m.digest, size: m.size, platform });
  }
  const index = { schemaVersion: 2, mediaType: mediaTypes.ociIndex, manifests: entries };
  const digest = await session.putManifest(repo, tag, index, mediaTypes.ociIndex);
  return { digest, platformDigests };
}

/** Pushes many tags that share one manifest (cheap: one manifest PUT per tag), e.g. 1,500 for pagination. */
export async function pushTags(
  registry: RegistryInfo,
  repo: string,
  tags: readonly string[],
  concurrency = 8,
): Promise<string> {
  const session = new RegistrySession(registry);
  const m = await pushPlatformManifest(
    session,
    repo,
    { os: 'linux', architecture: 'amd64' },
    `shared ${repo}`,
  );
  let next = 0;
  const worker = async () => {
    while (next < tags.length) {
      const tag = tags[next++]!;
      await session.putManifest(repo, tag, m.manifest, mediaTypes.ociManifest);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tags.length) }, worker));
  return m.digest;
}

/** Tags as the registry lists them (following pagination), for assertions. */
export async function listTags(registry: RegistryInfo, repo: string): Promise<string[]> {
  const session = new RegistrySession(registry);
  const tags: string[] = [];
  let path: string | undefined = `/v2/${repo}/tags/list?n=1000`;
  for (let page = 0; path && page < 100; page++) {
    const res = await session.fetch(repo, path);
    if (!res.ok) throw new Error(`listing tags of ${repo}: HTTP ${res.status}`);
    tags.push(...(((await res.json()) as { tags?: string[] }).tags ?? []));
    const link = res.headers.get('link');
    path = link ? /<([^>]+)>/.exec(link)?.[1] : undefined;
  }
  return tags;
}
