// Registry authentication: learns from the first 401 which scheme a registry wants (Basic, or a Bearer
// token from a realm), then authenticates every later request up front, so a steady cycle sends no
// challenge round-trips. Bearer tokens are per repository (scope `repository:<name>:pull`) and reused
// until shortly before they expire.
import { createHash } from 'node:crypto';
import { TtlCache } from './cache.js';
import type { RegistryCredentials } from './credentials.js';
import { RegistryAuthError, RegistryBadResponseError } from './errors.js';
import { parseWwwAuthenticate, type AuthChallenge } from './headers.js';
import { registryCache } from './metrics.js';
import { describeErrorBody, parseJsonAnswer } from './answers.js';
import type { TlsSettings } from '../http/agents.js';
import type { HttpResponse, Transport } from './transport.js';

/** Who asks for what: the unit tokens and learned challenges are kept per. */
export interface AuthSubject {
  registry: string;
  repository: string;
  credentials: RegistryCredentials | undefined;
  /** credentialsIdentity(credentials): separates callers with different secrets, reveals nothing. */
  credId: string;
  tls: TlsSettings;
}

type Learned =
  { scheme: 'none' } | { scheme: 'basic' } | { scheme: 'bearer'; realm: string; service: string | undefined };

/** What to send, and what to call with the final status (or the failure) once the exchange is over. */
export interface PreparedAuth {
  header: string | undefined;
  settle(status: number | undefined, failure?: unknown): void;
}

/** A stable, non-reversible name for a set of credentials (cache keys); 'anonymous' for none. */
export function credentialsIdentity(credentials: RegistryCredentials | undefined): string {
  if (!credentials) return 'anonymous';
  const material = JSON.stringify([
    credentials.username ?? '',
    credentials.password ?? '',
    credentials.identityToken ?? '',
    credentials.registryToken ?? '',
  ]);
  return createHash('sha256').update(material).digest('hex').slice(0, 16);
}

function basicHeader(c: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64')}`;
}

function hasPassword(c: RegistryCredentials | undefined): boolean {
  return c !== undefined && (c.username !== undefined || c.password !== undefined);
}

/** Seconds a token lives when the token endpoint does not say (the Docker token spec's default). */
const DEFAULT_TOKEN_SECONDS = 60;

export class Authenticator {
  private readonly learned = new Map<string, Learned>();
  /**
   * One request per registry finds out what it wants; the others wait for its answer (no 401 storm). The
   * promise resolves to the probe's failure when it got no answer at all (timeout, refused connection).
   */
  private readonly probes = new Map<string, Promise<unknown>>();
  private readonly tokens: TtlCache<{ token: string; ttlMs: number }>;

  constructor(
    private readonly transport: Transport,
    now: () => number,
  ) {
    this.tokens = new TtlCache<{ token: string; ttlMs: number }>({
      ttlMs: DEFAULT_TOKEN_SECONDS * 1000,
      now,
    });
  }

  private learnedKey(s: AuthSubject): string {
    return `${s.registry}|${s.credId}`;
  }

  private tokenKey(s: AuthSubject, learned: { realm: string; service: string | undefined }): string {
    return `${learned.realm}|${learned.service ?? ''}|repository:${s.repository}:pull|${s.credId}`;
  }

  /**
   * The Authorization header to send before any challenge, from what the registry asked for last time.
   * While nothing is known about a registry, the first caller probes and the others wait for its answer,
   * so a cycle over many repositories starts with one 401, not one per concurrent request.
   */
  async prepare(s: AuthSubject): Promise<PreparedAuth> {
    const noop = { settle: () => {} };
    if (s.credentials?.registryToken) return { header: `Bearer ${s.credentials.registryToken}`, ...noop };
    const key = this.learnedKey(s);
    let learned = this.learned.get(key);
    while (!learned && this.probes.has(key)) {
      const failure = await this.probes.get(key);
      learned = this.learned.get(key);
      // The probe got no answer: its waiters fail with it at once instead of probing again one after
      // another, each waiting out the same timeout while holding an evaluation slot.
      if (!learned && failure !== undefined) throw failure;
    }
    if (!learned) {
      let release!: (failure: unknown) => void;
      this.probes.set(key, new Promise<unknown>((resolve) => (release = resolve)));
      return {
        header: undefined,
        settle: (status, failure) => {
          // Anything but 401 means this registry serves these credentials without a challenge.
          if (status !== undefined && status !== 401 && !this.learned.has(key)) {
            this.learned.set(key, { scheme: 'none' });
          }
          this.probes.delete(key);
          release(
            status === undefined ? (failure ?? new Error('the authentication probe failed')) : undefined,
          );
        },
      };
    }
    if (learned.scheme === 'none') return { header: undefined, ...noop };
    if (learned.scheme === 'basic') {
      const header = s.credentials && hasPassword(s.credentials) ? basicHeader(s.credentials) : undefined;
      return { header, ...noop };
    }
    return { header: `Bearer ${await this.token(s, learned, false)}`, ...noop };
  }

  /**
   * After a 401: the header to retry with, or undefined when another try cannot help (the caller then
   * reports an auth error). `sent` is the header the failed request carried.
   */
  async afterUnauthorized(
    s: AuthSubject,
    res: HttpResponse,
    sent: string | undefined,
  ): Promise<string | undefined> {
    const challenges = parseWwwAuthenticate(res.headers.get('www-authenticate'));
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
    const basic = challenges.find((c) => c.scheme === 'basic');
    if (bearer) {
      if (s.credentials?.registryToken) return undefined;
      const learned = this.learnBearer(s, bearer);
      // A token we sent and the registry refused: if it was for this scope it is not a matter of expiry.
      if (sent?.startsWith('Bearer ') && bearer.params.error === 'insufficient_scope') return undefined;
      return `Bearer ${await this.token(s, learned, sent?.startsWith('Bearer ') ?? false)}`;
    }
    if (basic) {
      this.learned.set(this.learnedKey(s), { scheme: 'basic' });
      if (!s.credentials || !hasPassword(s.credentials) || sent?.startsWith('Basic ')) return undefined;
      return basicHeader(s.credentials);
    }
    return undefined;
  }

  private learnBearer(
    s: AuthSubject,
    challenge: AuthChallenge,
  ): { realm: string; service: string | undefined } {
    const learned = {
      scheme: 'bearer' as const,
      realm: challenge.params.realm ?? '',
      service: challenge.params.service,
    };
    this.learned.set(this.learnedKey(s), learned);
    return learned;
  }

  private async token(
    s: AuthSubject,
    learned: { realm: string; service: string | undefined },
    fresh: boolean,
  ): Promise<string> {
    const entry = await this.tokens.get(this.tokenKey(s, learned), () => this.fetchToken(s, learned), {
      fresh,
      onOutcome: (result) => registryCache.inc({ cache: 'token', result }),
      ttlFor: (t) => t.ttlMs,
    });
    return entry.token;
  }

  /** Asks the realm for a pull token (Docker token spec; OAuth2 refresh-token grant for identity tokens). */
  private async fetchToken(
    s: AuthSubject,
    learned: { realm: string; service: string | undefined },
  ): Promise<{ token: string; ttlMs: number }> {
    let realm: URL;
    try {
      realm = new URL(learned.realm);
    } catch {
      throw new RegistryBadResponseError(
        `registry ${s.registry} sent an unusable token realm "${learned.realm}"`,
      );
    }
    const scope = `repository:${s.repository}:pull`;
    const what = `a pull token for ${s.registry}/${s.repository}`;
    const common = {
      registry: s.registry,
      kind: 'token' as const,
      tls: s.tls,
      what,
    };
    let res: HttpResponse;
    if (s.credentials?.identityToken) {
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: s.credentials.identityToken,
        client_id: 'tagpilot',
        scope,
        ...(learned.service ? { service: learned.service } : {}),
      });
      res = await this.transport.send({
        ...common,
        method: 'POST',
        url: realm.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
    } else {
      if (learned.service) realm.searchParams.set('service', learned.service);
      realm.searchParams.set('scope', scope);
      res = await this.transport.send({
        ...common,
        method: 'GET',
        url: realm.toString(),
        headers:
          s.credentials && hasPassword(s.credentials) ? { authorization: basicHeader(s.credentials) } : {},
      });
    }
    if (res.status === 401 || res.status === 403) {
      const who = s.credentials?.username ? `user "${s.credentials.username}"` : 'the identity token';
      const detail = describeErrorBody(res);
      throw new RegistryAuthError(
        hasPassword(s.credentials) || s.credentials?.identityToken
          ? `registry ${s.registry} rejected the credentials of ${who} (token endpoint ${realm.host} answered ${res.status}${detail ? `: ${detail}` : ''}); check ${s.credentials?.hint ?? 'the image pull secret'}`
          : `registry ${s.registry} refused an anonymous token for ${s.repository} (${res.status}); add an image pull secret`,
        { status: res.status },
      );
    }
    if (res.status !== 200) {
      throw new RegistryBadResponseError(
        `token endpoint ${realm.host} of registry ${s.registry} answered ${res.status} for ${what}`,
        { status: res.status },
      );
    }
    const parsed = (parseJsonAnswer(res, `${s.registry} (token endpoint ${realm.host})`, what) ?? {}) as {
      token?: unknown;
      access_token?: unknown;
      expires_in?: unknown;
    };
    const token = typeof parsed.token === 'string' && parsed.token ? parsed.token : parsed.access_token;
    if (typeof token !== 'string' || token === '') {
      throw new RegistryBadResponseError(
        `token endpoint ${realm.host} of registry ${s.registry} sent no token`,
      );
    }
    const seconds =
      typeof parsed.expires_in === 'number' && parsed.expires_in > 0
        ? parsed.expires_in
        : DEFAULT_TOKEN_SECONDS;
    // Renew a little early so a token never expires between being picked and being used.
    return { token, ttlMs: (seconds > 20 ? seconds - 10 : seconds / 2) * 1000 };
  }
}
