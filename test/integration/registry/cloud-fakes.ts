// Loopback fakes of the clouds' token endpoints, reached by the real SDKs through their own configuration
// (AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL_ECR, GCE_METADATA_HOST, AZURE_AUTHORITY_HOST), and a real
// Distribution registry in token mode whose realm accepts exactly the credentials the fakes handed out:
// a token the fake did not issue, or one it revoked, is refused by the real registry's auth flow.
// Every token contains a sentinel string so tests can prove it never reaches a log, Event or status.
import { createSign, randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createStateDir } from '../../testenv/procs.js';
import { rsaKeyPair, selfSignedCertificate } from '../../testenv/pki.js';
import { startRegistry, type RunningRegistry } from '../../testenv/registry.js';

export const SENTINEL = `TOKENSENTINEL${randomBytes(6).toString('hex')}`;

/** Credentials the cloud registry accepts: what the fakes issued, by user name. */
export class Accepted {
  private readonly valid = new Map<string, Set<string>>();
  add(user: string, password: string): void {
    let set = this.valid.get(user);
    if (!set) this.valid.set(user, (set = new Set()));
    set.add(password);
  }
  revokeAll(): void {
    this.valid.clear();
  }
  has(user: string, password: string): boolean {
    return this.valid.get(user)?.has(password) ?? false;
  }
}

/** A real token-mode registry whose realm checks credentials against `accepted`. */
export async function startCloudRegistry(
  name: string,
  logDir: string,
  accepted: Accepted,
): Promise<RunningRegistry> {
  const stateDir = createStateDir(name);
  return startRegistry({
    stateDir,
    dataDir: join(stateDir, 'data'),
    logDir,
    mode: 'token',
    verifyCredentials: (user, password) => accepted.has(user, password),
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

async function listen(
  server: ReturnType<typeof createHttpServer> | ReturnType<typeof createHttpsServer>,
): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function closer(server: ReturnType<typeof createHttpServer>): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

const secret = (what: string) => `${what}-${SENTINEL}-${randomBytes(8).toString('hex')}`;

// ----- AWS: STS AssumeRoleWithWebIdentity (query protocol) and ECR GetAuthorizationToken (JSON 1.1) -----

export interface FakeAws {
  url: string;
  /** AssumeRoleWithWebIdentity calls, and the role ARNs they named. */
  sts: string[];
  /** GetAuthorizationToken calls. */
  ecr: number;
  /** deny: GetAuthorizationToken answers AccessDeniedException. */
  mode: 'ok' | 'deny';
  close(): Promise<void>;
}

export async function startFakeAws(webIdentityToken: string, accepted: Accepted): Promise<FakeAws> {
  const accessKeys = new Set<string>();
  const fake: FakeAws = { url: '', sts: [], ecr: 0, mode: 'ok', close: async () => {} };
  const server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    void readBody(req).then((body) => {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (body.includes('Action=AssumeRoleWithWebIdentity')) {
        const form = new URLSearchParams(body);
        fake.sts.push(form.get('RoleArn') ?? '');
        if (form.get('WebIdentityToken') !== webIdentityToken) {
          res.writeHead(400, { 'content-type': 'text/xml' });
          res.end(
            '<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredTokenException</Code><Message>Token expired: current date/time must be before the expiration date/time</Message></Error><RequestId>1</RequestId></ErrorResponse>',
          );
          return;
        }
        const key = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
        accessKeys.add(key);
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(
          `<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>${key}</AccessKeyId><SecretAccessKey>${secret('sts-secret')}</SecretAccessKey><SessionToken>${secret('sts-session')}</SessionToken><Expiration>${new Date(Date.now() + 3600_000).toISOString()}</Expiration></Credentials><AssumedRoleUser><Arn>${form.get('RoleArn')}/session</Arn><AssumedRoleUserId>AROA:session</AssumedRoleUserId></AssumedRoleUser></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>`,
        );
        return;
      }
      if (target.endsWith('.GetAuthorizationToken')) {
        fake.ecr++;
        // Signed (SigV4) with the keys STS handed out: the SDK really went web identity → STS → ECR.
        const signedWith = /Credential=([A-Z0-9]+)\//.exec(String(req.headers.authorization))?.[1] ?? '';
        const denied = fake.mode === 'deny' || !accessKeys.has(signedWith);
        res.writeHead(denied ? 400 : 200, { 'content-type': 'application/x-amz-json-1.1' });
        if (denied) {
          res.end(
            JSON.stringify({
              __type: 'AccessDeniedException',
              message:
                'User: arn:aws:sts::123456789012:assumed-role/tagpilot/session is not authorized to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ecr:GetAuthorizationToken action',
            }),
          );
          return;
        }
        const password = secret('ecr');
        accepted.add('AWS', password);
        res.end(
          JSON.stringify({
            authorizationData: [
              {
                authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'),
                expiresAt: Date.now() / 1000 + 12 * 3600,
                proxyEndpoint: 'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com',
              },
            ],
          }),
        );
        return;
      }
      res.writeHead(404).end();
    });
  });
  fake.url = `http://127.0.0.1:${await listen(server)}`;
  fake.close = closer(server);
  return fake;
}

// ----- Google: the GKE metadata server -----

export interface FakeGcp {
  host: string;
  email: string;
  /** Access tokens handed out. */
  tokens: number;
  /** refuse: the token endpoint answers 403 as for a Kubernetes SA not bound to the Google SA. */
  mode: 'ok' | 'refuse';
  close(): Promise<void>;
}

export async function startFakeGcp(accepted: Accepted): Promise<FakeGcp> {
  const fake: FakeGcp = {
    host: '',
    email: 'tagpilot@acme-prod.iam.gserviceaccount.com',
    tokens: 0,
    mode: 'ok',
    close: async () => {},
  };
  const server = createHttpServer((req, res) => {
    const h = { 'metadata-flavor': 'Google' };
    if (req.headers['metadata-flavor'] !== 'Google') {
      res.writeHead(403, h).end('missing Metadata-Flavor header');
      return;
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/computeMetadata/v1/instance/service-accounts/default/token') {
      if (fake.mode === 'refuse') {
        res.writeHead(403, { ...h, 'content-type': 'text/plain' });
        res.end(
          `Unable to generate access token; IAM returned 403 Forbidden: Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).`,
        );
        return;
      }
      fake.tokens++;
      const token = `ya29.${secret('gcp')}`;
      accepted.add('oauth2accesstoken', token);
      res.writeHead(200, { ...h, 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: token, expires_in: 3599, token_type: 'Bearer' }));
      return;
    }
    if (path === '/computeMetadata/v1/instance/service-accounts/default/email') {
      res.writeHead(200, { ...h, 'content-type': 'text/plain' }).end(fake.email);
      return;
    }
    if (path === '/computeMetadata/v1/project/project-id') {
      res.writeHead(200, { ...h, 'content-type': 'text/plain' }).end('acme-prod');
      return;
    }
    // GCE detection pings /computeMetadata/v1/instance and looks for the Metadata-Flavor answer header.
    res.writeHead(200, { ...h, 'content-type': 'application/json' }).end('{}');
  });
  fake.host = `127.0.0.1:${await listen(server)}`;
  fake.close = closer(server);
  return fake;
}

// ----- Azure: Microsoft Entra ID (HTTPS, as the library insists) and ACR's /oauth2/exchange -----

export interface FakeEntra {
  /** AZURE_AUTHORITY_HOST. */
  url: string;
  /** PEM to trust (NODE_EXTRA_CA_CERTS). */
  caPem: string;
  /** Client-assertion token requests, and the client ids they named. */
  tokenRequests: string[];
  /** Entra access tokens handed out (the exchange accepts only these). */
  issued: Set<string>;
  close(): Promise<void>;
}

export async function startFakeEntra(federatedToken: string): Promise<FakeEntra> {
  const keys = rsaKeyPair();
  const cert = selfSignedCertificate(keys, 'tagpilot-test-entra', ['127.0.0.1']);
  const fake: FakeEntra = {
    url: '',
    caPem: cert.pem,
    tokenRequests: [],
    issued: new Set(),
    close: async () => {},
  };
  const server = createHttpsServer({ key: keys.privateKeyPem, cert: cert.pem }, (req, res) => {
    void readBody(req).then((body) => {
      const url = new URL(req.url ?? '/', fake.url);
      const tenant = url.pathname.split('/')[1] ?? '';
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (url.pathname.endsWith('/v2.0/.well-known/openid-configuration')) {
        const base = `${fake.url}/${tenant}`;
        json(200, {
          issuer: `${base}/v2.0`,
          token_endpoint: `${base}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${base}/oauth2/v2.0/logout`,
          jwks_uri: `${fake.url}/keys`,
        });
        return;
      }
      if (url.pathname.endsWith('/oauth2/v2.0/token')) {
        const form = new URLSearchParams(body);
        fake.tokenRequests.push(form.get('client_id') ?? '');
        if (form.get('client_assertion') !== federatedToken) {
          json(400, {
            error: 'invalid_client',
            error_description:
              'AADSTS700213: No matching federated identity record found for presented assertion subject.',
            error_codes: [700213],
          });
          return;
        }
        const token = secret('entra');
        fake.issued.add(token);
        json(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token });
        return;
      }
      json(404, { error: 'not_found' });
    });
  });
  fake.url = `https://127.0.0.1:${await listen(server)}`;
  fake.close = closer(server);
  return fake;
}

const jwtKeys = rsaKeyPair();
const b64url = (s: string) => Buffer.from(s).toString('base64url');

/** An ACR-like refresh token: a JWT whose `exp` says when it ends (the client renews from that). */
function refreshToken(lifetimeSeconds: number): string {
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))}.${b64url(
    JSON.stringify({ jti: secret('acr'), exp: now + lifetimeSeconds, iat: now, grant_type: 'refresh_token' }),
  )}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(jwtKeys.privateKeyPem, 'base64url')}`;
}

export interface AcrExchange {
  /** Exchanges answered with a refresh token. */
  exchanges: number;
  /** Refused exchanges (an Entra token the fake did not issue). */
  refused: number;
  /** Lifetime of the refresh tokens handed out from now on. */
  lifetimeSeconds: number;
  /** For startRegistryProxy's `handle`: answers POST /oauth2/exchange, forwards the rest. */
  handle(
    req: IncomingMessage,
    body: Buffer,
  ): { status: number; headers?: Record<string, string>; body: string } | undefined;
}

export function acrExchange(entra: FakeEntra, accepted: Accepted): AcrExchange {
  const exchange: AcrExchange = {
    exchanges: 0,
    refused: 0,
    lifetimeSeconds: 3 * 3600,
    handle(req, body) {
      if (req.method !== 'POST' || !req.url?.startsWith('/oauth2/exchange')) return undefined;
      const form = new URLSearchParams(body.toString('utf8'));
      if (form.get('grant_type') !== 'access_token' || !entra.issued.has(form.get('access_token') ?? '')) {
        exchange.refused++;
        return {
          status: 401,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }),
        };
      }
      exchange.exchanges++;
      const refresh = refreshToken(exchange.lifetimeSeconds);
      accepted.add('00000000-0000-0000-0000-000000000000', refresh);
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh_token: refresh }),
      };
    },
  };
  return exchange;
}

/** Sets environment variables for a test file and gives back a function that restores them. */
export function setEnv(values: Record<string, string | undefined>): () => void {
  const saved = Object.fromEntries(Object.keys(values).map((k) => [k, process.env[k]]));
  const apply = (v: Record<string, string | undefined>) => {
    for (const [k, value] of Object.entries(v)) {
      if (value === undefined) delete process.env[k];
      else process.env[k] = value;
    }
  };
  apply(values);
  return () => apply(saved);
}
