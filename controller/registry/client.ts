// The OCI Distribution client the controller and the CLI share (docs/registries.md). One RegistryClient per
// process: its caches, learned auth schemes, tokens, concurrency limits and metrics are what make N Images
// over M repositories cost one tag list per repository per TTL instead of one per Image.
//
//   const registry = new RegistryClient({ logger });
//   const ref = parseImageReference(image.spec.image);
//   const access = { credentials: credentialsFromPullSecrets(secrets, ref), plainHTTP: image.spec.plainHTTP };
//   const tags = await registry.listTags(ref, access);
//   const digest = await registry.getDigest(ref, 'latest', access, { platform: 'linux/arm64' });
//
// Every failure is a RegistryError whose `kind` and `message` can go into an Image's status as they are.
import type { RegistryAccess } from './access.js';
import { Authenticator } from './auth.js';
import { TtlCache } from './cache.js';
import { CloudCredentials } from './cloud/index.js';
import { RegistryBadResponseError, RegistryNotFoundError, RegistryResponseTooLargeError } from './errors.js';
import {
  MANIFEST_ACCEPT,
  baseMediaType,
  parseManifest,
  type ConfigFacts,
  sha256Digest,
  type ParsedManifest,
} from './manifest.js';
import { registryCache, type RequestKind } from './metrics.js';
import { formatPlatform, parsePlatform, platformMatches } from '../../domain/image/platform.js';
import { parseImageReference, repositoryName, type ImageReference } from '../../domain/image/reference.js';
import { describeErrorBody, parseJsonAnswer } from './answers.js';
import { proxyFromEnv } from '../http/agents.js';
import type {
  DigestOptions,
  ListTagsOptions,
  PlatformImage,
  RegistryClientOptions,
} from './client-options.js';
import { configFromAnswer, representativeImage } from './image-config.js';
import { fetchTagList } from './tag-list.js';
import { authError } from './auth-errors.js';
import { resolveTarget, type TagTarget, type Target } from './target.js';
import { Transport, type HttpResponse } from './transport.js';

const DIGEST_HEADER_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

function toReference(ref: ImageReference | string): ImageReference {
  return typeof ref === 'string' ? parseImageReference(ref) : ref;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class RegistryClient {
  private readonly transport: Transport;
  private readonly auth: Authenticator;
  private readonly tags: TtlCache<readonly string[]>;
  private readonly tagTargets: TtlCache<TagTarget>;
  /** Content-addressed, so entries never go stale; bounded only for memory. */
  private readonly manifests: TtlCache<ParsedManifest>;
  /** What the client reads of an image config (platform, build time), keyed by config digest. */
  private readonly configs: TtlCache<ConfigFacts>;
  private readonly pageSize: number;
  private readonly cloud: CloudCredentials;
  /** Requests in flight per registry host (the controller sizes its per-host evaluation limit by it). */
  readonly concurrencyPerRegistry: number;

  constructor(options: RegistryClientOptions = {}) {
    const now = options.now ?? Date.now;
    this.concurrencyPerRegistry = options.concurrencyPerRegistry ?? 8;
    this.transport = new Transport({
      timeoutMs: options.timeoutMs ?? 30_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      maxAttempts: options.maxAttempts ?? 3,
      retryBaseDelayMs: options.retryBaseDelayMs ?? 500,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 10_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
      concurrencyPerRegistry: this.concurrencyPerRegistry,
      breakerCooldownMs: options.breakerCooldownMs ?? 30_000,
      userAgent: options.userAgent ?? 'tagpilot (+https://tagpilot.dev)',
      proxy: options.proxy ?? proxyFromEnv(),
      logger: options.logger,
      sleep: options.sleep ?? sleep,
      random: options.random ?? Math.random,
      now,
    });
    this.auth = new Authenticator(this.transport, now);
    this.tags = new TtlCache({ ttlMs: options.tagsTtlMs ?? 60_000, now });
    this.tagTargets = new TtlCache({ ttlMs: options.digestTtlMs ?? 60_000, now });
    const forever = Number.MAX_SAFE_INTEGER / 2;
    this.manifests = new TtlCache({ ttlMs: forever, maxEntries: 2_000, now });
    this.configs = new TtlCache({ ttlMs: forever, maxEntries: 2_000, now });
    this.pageSize = options.pageSize ?? 1000;
    this.cloud = new CloudCredentials({ now, logger: options.logger });
  }

  /**
   * Every tag of the repository, in the registry's order, all pages followed. Shared by every caller
   * with the same repository and credentials for the tags TTL; do not mutate the array.
   */
  async listTags(
    ref: ImageReference | string,
    access: RegistryAccess = {},
    options: ListTagsOptions = {},
  ): Promise<readonly string[]> {
    const target = await this.target(toReference(ref), access);
    const key = `${target.baseUrl}/${target.repository}|${target.credId}`;
    return this.tags.get(key, () => this.fetchTags(target), {
      fresh: options.fresh ?? false,
      onOutcome: (result) => registryCache.inc({ cache: 'tags', result }),
    });
  }

  /**
   * Digest of `tag` (default: the reference's digest, else its tag, else `latest`): the tag's own digest
   * (an index for multi-platform images, as `docker pull` resolves it), or with `platform` the digest of
   * that platform's image. One HEAD per tag per digest TTL; index bodies are fetched once per digest.
   */
  async getDigest(
    ref: ImageReference | string,
    tag?: string,
    access: RegistryAccess = {},
    options: DigestOptions = {},
  ): Promise<string> {
    const reference = toReference(ref);
    const target = await this.target(reference, access);
    const which = tag ?? reference.digest ?? reference.tag ?? 'latest';
    const resolved = await this.resolveTag(target, which, options.fresh ?? false);
    if (options.platform === undefined) return resolved.digest;
    const wanted = typeof options.platform === 'string' ? parsePlatform(options.platform) : options.platform;
    const images = await this.platformsOf(target, which, resolved);
    const match = images.find((i) => platformMatches(wanted, i.platform));
    if (match) return match.digest;
    const offered = images.map((i) => formatPlatform(i.platform)).join(', ') || 'no declared platform';
    throw new RegistryNotFoundError(
      `${repositoryName(reference)}:${which} has no ${formatPlatform(wanted)} image (it has ${offered})`,
    );
  }

  /** The platforms published under `tag` and each one's digest (attestation entries left out). */
  async getPlatforms(
    ref: ImageReference | string,
    tag?: string,
    access: RegistryAccess = {},
    options: { fresh?: boolean } = {},
  ): Promise<PlatformImage[]> {
    const reference = toReference(ref);
    const target = await this.target(reference, access);
    const which = tag ?? reference.digest ?? reference.tag ?? 'latest';
    return this.platformsOf(target, which, await this.resolveTag(target, which, options.fresh ?? false));
  }

  /** Closes idle connections (the CLI calls this before exiting). */
  async close(): Promise<void> {
    await this.transport.close();
  }

  private target(ref: ImageReference, access: RegistryAccess): Promise<Target> {
    return resolveTarget(ref, access, this.cloud, this.transport);
  }

  /** One authenticated API call: sends what we know works, answers one 401 challenge, maps 401/403. */
  private async call(
    target: Target,
    kind: RequestKind,
    method: 'GET' | 'HEAD',
    url: string,
    accept: string,
    what: string,
    limit?: { maxBodyBytes: number; bodyLimitText: string },
  ): Promise<HttpResponse> {
    const sameOrigin = new URL(url).origin === new URL(target.baseUrl).origin;
    const prepared = sameOrigin ? await this.auth.prepare(target) : undefined;
    let sent = prepared?.header;
    const send = (authorization: string | undefined) =>
      this.transport.send({
        registry: target.registry,
        kind,
        method,
        url,
        headers: { accept, ...(authorization ? { authorization } : {}) },
        tls: target.tls,
        what,
        ...limit,
      });
    let res: HttpResponse | undefined;
    let failure: unknown;
    try {
      res = await send(sent);
      // Two rounds: one to learn the scheme (or replace a token the registry stopped accepting), one more
      // for a token that went stale while the request waited (e.g. out a long Retry-After).
      for (let round = 0; round < 2 && res.status === 401 && sameOrigin; round++) {
        const retry = await this.auth.afterUnauthorized(target, res, sent);
        if (retry === undefined || retry === sent) break;
        sent = retry;
        res = await send(retry);
      }
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      // A body over its limit is an answer too: the probe's waiters go ahead instead of sharing its error.
      const answered = failure instanceof RegistryResponseTooLargeError ? failure.status : undefined;
      prepared?.settle(res?.status ?? answered, failure);
    }
    if (res.status === 401 || res.status === 403) throw authError(target, res, what);
    return res;
  }

  private fetchTags(target: Target): Promise<readonly string[]> {
    return fetchTagList({
      registry: target.registry,
      origin: target.baseUrl,
      firstPage: `${target.baseUrl}/v2/${target.repository}/tags/list`,
      name: repositoryName(target.ref),
      pageSize: this.pageSize,
      get: (url, what, limit) => this.call(target, 'tags', 'GET', url, 'application/json', what, limit),
    });
  }

  private manifestUrl(target: Target, reference: string): string {
    return `${target.baseUrl}/v2/${target.repository}/manifests/${reference}`;
  }

  /** What a tag (or digest) points at: HEAD with every manifest type accepted; GET only when HEAD cannot tell. */
  private resolveTag(target: Target, reference: string, fresh: boolean): Promise<TagTarget> {
    const key = `${target.baseUrl}/${target.repository}:${reference}|${target.credId}`;
    return this.tagTargets.get(key, () => this.fetchTagTarget(target, reference), {
      fresh,
      onOutcome: (result) => registryCache.inc({ cache: 'digest', result }),
    });
  }

  private async fetchTagTarget(target: Target, reference: string): Promise<TagTarget> {
    const name = `${repositoryName(target.ref)}${reference.includes(':') ? '@' : ':'}${reference}`;
    const what = `the manifest of ${name}`;
    const url = this.manifestUrl(target, reference);
    const head = await this.call(target, 'manifest_head', 'HEAD', url, MANIFEST_ACCEPT, what);
    if (head.status === 404) throw this.manifestNotFound(target, name);
    const headDigest = head.headers.get('docker-content-digest')?.trim();
    if (head.status === 200 && headDigest && DIGEST_HEADER_RE.test(headDigest)) {
      return { digest: headDigest, mediaType: baseMediaType(head.headers.get('content-type')) };
    }
    if (head.status !== 200 && head.status !== 405 && head.status !== 501) {
      throw new RegistryBadResponseError(
        `registry ${target.registry} answered ${head.status} to HEAD ${what}`,
        {
          status: head.status,
        },
      );
    }
    // HEAD not supported, or no Docker-Content-Digest: the digest is the sha256 of the exact body.
    const { digest, manifest } = await this.getManifest(target, reference, what, name);
    return { digest, mediaType: manifest.mediaType, manifest };
  }

  private manifestNotFound(target: Target, name: string): RegistryNotFoundError {
    return new RegistryNotFoundError(
      `${name} not found on registry ${target.registry}: the tag or repository does not exist`,
      { status: 404 },
    );
  }

  private async getManifest(
    target: Target,
    reference: string,
    what: string,
    name: string,
  ): Promise<{ digest: string; manifest: ParsedManifest }> {
    const res = await this.call(
      target,
      'manifest_get',
      'GET',
      this.manifestUrl(target, reference),
      MANIFEST_ACCEPT,
      what,
    );
    if (res.status === 404) throw this.manifestNotFound(target, name);
    if (res.status !== 200) {
      throw new RegistryBadResponseError(
        `registry ${target.registry} answered ${res.status} for ${what} (${describeErrorBody(res) || 'no detail'})`,
        { status: res.status },
      );
    }
    const header = res.headers.get('docker-content-digest')?.trim();
    const digest = header && DIGEST_HEADER_RE.test(header) ? header : sha256Digest(res.body);
    const json = parseJsonAnswer(res, target.registry, what);
    const manifest = parseManifest(json, baseMediaType(res.headers.get('content-type')));
    if (!manifest) {
      throw new RegistryBadResponseError(
        `registry ${target.registry} sent ${baseMediaType(res.headers.get('content-type')) ?? 'an unknown document'} for ${name}, not an image manifest or index`,
      );
    }
    this.manifests.set(`${target.baseUrl}/${target.repository}@${digest}|${target.credId}`, manifest);
    return { digest, manifest };
  }

  /** The manifest behind a digest, fetched once per process (content-addressed). */
  private manifestByDigest(target: Target, digest: string): Promise<ParsedManifest> {
    const key = `${target.baseUrl}/${target.repository}@${digest}|${target.credId}`;
    const name = `${repositoryName(target.ref)}@${digest}`;
    return this.manifests.get(
      key,
      async () => (await this.getManifest(target, digest, `the manifest of ${name}`, name)).manifest,
      { onOutcome: (result) => registryCache.inc({ cache: 'manifest', result }) },
    );
  }

  private async platformsOf(target: Target, tag: string, resolved: TagTarget): Promise<PlatformImage[]> {
    const manifest = resolved.manifest ?? (await this.manifestByDigest(target, resolved.digest));
    if (manifest.kind === 'index') {
      return manifest.entries.flatMap((e) =>
        // BuildKit stores attestations as `unknown/unknown` entries: not something to run.
        e.platform && e.platform.os !== 'unknown' && e.platform.architecture !== 'unknown'
          ? [{ platform: e.platform, digest: e.digest }]
          : [],
      );
    }
    if (!manifest.configDigest) return [];
    const { platform } = await this.configOf(target, manifest.configDigest, tag);
    return platform ? [{ platform, digest: resolved.digest }] : [];
  }

  /**
   * The image config's `created` of `tag` (RFC 3339), or undefined when the config has none. For an
   * index, the config of the entry for `platform` (default: the first runnable entry). Manifests and
   * configs are content-addressed and cached, so each config is fetched once per process; only the
   * tag's HEAD is repeated (once per digest TTL).
   */
  async getCreated(
    ref: ImageReference | string,
    tag: string,
    access: RegistryAccess = {},
    options: DigestOptions = {},
  ): Promise<string | undefined> {
    const reference = toReference(ref);
    const target = await this.target(reference, access);
    const resolved = await this.resolveTag(target, tag, options.fresh ?? false);
    let manifest = resolved.manifest ?? (await this.manifestByDigest(target, resolved.digest));
    if (manifest.kind === 'index') {
      const wanted =
        typeof options.platform === 'string' ? parsePlatform(options.platform) : options.platform;
      const entry = representativeImage(
        await this.platformsOf(target, tag, { ...resolved, manifest }),
        wanted,
      );
      if (!entry) return undefined;
      manifest = await this.manifestByDigest(target, entry.digest);
      if (manifest.kind !== 'image') return undefined;
    }
    if (!manifest.configDigest) return undefined;
    return (await this.configOf(target, manifest.configDigest, tag)).created;
  }

  /** Platform and build time of an image, read from its config blob once per process. */
  private configOf(target: Target, configDigest: string, tag: string): Promise<ConfigFacts> {
    const key = `${target.baseUrl}/${target.repository}@${configDigest}|${target.credId}`;
    const name = `${repositoryName(target.ref)}:${tag}`;
    const url = `${target.baseUrl}/v2/${target.repository}/blobs/${configDigest}`;
    return this.configs.get(
      key,
      async () =>
        configFromAnswer(
          await this.call(target, 'blob', 'GET', url, '*/*', `the image config of ${name}`),
          target.registry,
          name,
        ),
      { onOutcome: (result) => registryCache.inc({ cache: 'blob', result }) },
    );
  }
}
