// The cloud step of the credential chain: when no pull secret matches, the controller Pod's own cloud
// identity (EKS IRSA / Pod Identity, GKE Workload Identity, AKS Workload Identity) gets registry
// credentials. One token per registry and identity at a time: concurrent checks wait for the one request
// in flight, and the result is reused until shortly before it expires.
//
// The cloud SDKs are large; each is imported only when a registry of its cloud is first met, so a
// controller that follows no cloud registry never loads them.
import type { Logger } from '../../../common/logger.js';
import { TtlCache } from '../cache.js';
import type { RegistryCredentials } from '../credentials.js';
import { RegistryError } from '../errors.js';
import { registryCache } from '../metrics.js';
import {
  CLOUD_NAMES,
  cloudTarget,
  type CloudAuthMode,
  type CloudProvider,
  type CloudTarget,
} from './hosts.js';
import {
  CloudAuthError,
  NoCloudIdentity,
  sdkDetail,
  type CloudSource,
  type CloudToken,
  type RegistryEndpoint,
} from './source.js';

/** How long `auto` remembers that the Pod has no identity of a cloud before looking again. */
const NO_IDENTITY_TTL_MS = 10 * 60_000;
/** How long a refused identity is remembered, so a thousand Images do not ask the cloud a thousand times. */
const FAILURE_TTL_MS = 30_000;
/** Renew this long before expiry (at most half the lifetime, for short-lived tokens). */
const RENEW_BEFORE_MS = 5 * 60_000;

type Entry = { token: CloudToken } | { anonymous: string } | { error: RegistryError };

const loaders: Record<CloudProvider, () => Promise<CloudSource>> = {
  aws: async () => new (await import('./aws.js')).AwsSource(),
  gcp: async () => new (await import('./gcp.js')).GcpSource(),
  azure: async () => new (await import('./azure.js')).AzureSource(),
};

export interface CloudCredentialsOptions {
  now: () => number;
  logger?: Logger | undefined;
  /** Test seam: the cloud modules to use instead of the SDK-backed ones. */
  sources?: Partial<Record<CloudProvider, CloudSource>>;
}

/** Milliseconds to reuse a token that is valid for `lifetimeMs` more. */
export function reuseFor(lifetimeMs: number): number {
  return lifetimeMs - Math.min(RENEW_BEFORE_MS, lifetimeMs / 2);
}

export class CloudCredentials {
  private readonly cache: TtlCache<Entry>;
  private readonly sources = new Map<CloudProvider, Promise<CloudSource>>();

  constructor(private readonly options: CloudCredentialsOptions) {
    this.cache = new TtlCache<Entry>({ ttlMs: FAILURE_TTL_MS, maxEntries: 1_000, now: options.now });
  }

  /**
   * Registry credentials from the Pod's cloud identity for `registry` under `mode`, or undefined for
   * anonymous access (mode `none`, a host of no cloud, or `auto` in a Pod without that cloud's identity).
   * Throws a RegistryError (CloudAuthError) when the identity is there but cannot get credentials.
   */
  async credentialsFor(
    registry: string,
    mode: CloudAuthMode | undefined,
    endpoint: RegistryEndpoint,
  ): Promise<RegistryCredentials | undefined> {
    const effective = mode ?? 'auto';
    const target = cloudTarget(registry, effective);
    if (!target) return undefined;
    const key = `${target.provider}|${registry}|${effective === 'auto' ? 'auto' : 'forced'}`;
    const now = this.options.now;
    const entry = await this.cache.get(key, () => this.load(target, effective, endpoint), {
      onOutcome: (result) => registryCache.inc({ cache: 'cloud_token', result }),
      ttlFor: (e) =>
        'token' in e
          ? reuseFor(e.token.expiresAt - now())
          : 'anonymous' in e
            ? NO_IDENTITY_TTL_MS
            : FAILURE_TTL_MS,
    });
    if ('error' in entry) throw entry.error;
    return 'token' in entry ? entry.token.credentials : undefined;
  }

  private source(provider: CloudProvider): Promise<CloudSource> {
    let source = this.sources.get(provider);
    if (!source) {
      const given = this.options.sources?.[provider];
      source = given ? Promise.resolve(given) : loaders[provider]();
      this.sources.set(provider, source);
      // A failed import (a broken install) is not remembered, so it is tried again.
      source.catch(() => this.sources.delete(provider));
    }
    return source;
  }

  private async load(target: CloudTarget, mode: CloudAuthMode, endpoint: RegistryEndpoint): Promise<Entry> {
    const cloud = CLOUD_NAMES[target.provider];
    const log = this.options.logger;
    try {
      const token = await (await this.source(target.provider)).token(target, endpoint);
      log?.debug(
        {
          cloud: target.provider,
          registry: target.registry,
          expiresAt: new Date(token.expiresAt).toISOString(),
        },
        'registry credentials from the cloud identity',
      );
      return { token };
    } catch (err) {
      if (err instanceof NoCloudIdentity) {
        if (mode === 'auto') {
          log?.info(
            { cloud: target.provider, registry: target.registry, reason: err.message },
            'no cloud identity for this registry in the controller Pod; reading it anonymously',
          );
          return { anonymous: err.message };
        }
        return {
          error: new CloudAuthError(
            `registry ${target.registry}: cloudAuth is "${mode}" but the controller Pod has no ${cloud} identity (${err.message}); set up the identity (docs/registries.md) or use cloudAuth "auto" or "none"`,
          ),
        };
      }
      // Anyone may pull from ECR Public; the identity only raises its rate limits.
      if (mode === 'auto' && target.provider === 'aws' && target.public) {
        log?.warn(
          { cloud: target.provider, registry: target.registry, reason: sdkDetail(err) },
          'the AWS identity could not authenticate to ECR Public; reading it anonymously',
        );
        return { anonymous: sdkDetail(err) };
      }
      if (err instanceof RegistryError) return { error: err };
      return {
        error: new CloudAuthError(
          `registry ${target.registry}: the ${cloud} identity of the controller Pod failed unexpectedly (${sdkDetail(err)})`,
          { cause: err },
        ),
      };
    }
  }
}
