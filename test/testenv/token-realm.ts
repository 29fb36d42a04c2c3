import { createSign, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { rsaKeyPair, selfSignedCertificate } from './pki.js';

/**
 * A Docker token realm (the `auth.token` flow of the Distribution registry): clients send Basic credentials
 * and a scope, and get a short-lived RS256 JWT that the registry verifies against `rootCertPem`.
 */
export interface TokenRealm {
  url: string;
  service: string;
  issuer: string;
  rootCertPem: string;
  /** Number of tokens issued, so tests can see tokens being reused. */
  issued(): number;
  close(): Promise<void>;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/**
 * `users` maps user names to passwords; `verify`, when given, accepts further credentials (tests of cloud
 * identities hand out passwords at run time, and the realm must check them as a cloud registry would).
 */
export async function startTokenRealm(
  users: Record<string, string>,
  ttlSeconds = 300,
  verify?: (user: string, password: string) => boolean,
): Promise<TokenRealm> {
  const keys = rsaKeyPair();
  const cert = selfSignedCertificate(keys, 'tagpilot-test-token-issuer');
  const service = 'tagpilot-test-registry';
  const issuer = 'tagpilot-test-issuer';
  let count = 0;

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/token') {
      res.writeHead(404).end();
      return;
    }
    const header = req.headers.authorization ?? '';
    const [user, pass] = header.startsWith('Basic ')
      ? Buffer.from(header.slice(6), 'base64').toString().split(/:(.*)/s)
      : [];
    const known = !!user && users[user] !== undefined && users[user] === pass;
    if (!known && !(user && pass !== undefined && verify?.(user, pass))) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="token"' });
      res.end(
        JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] }),
      );
      return;
    }
    // scope=repository:name:pull,push (may repeat)
    const access = url.searchParams.getAll('scope').flatMap((scope) => {
      const m = /^([^:]+):(.+):([^:]+)$/.exec(scope);
      return m ? [{ type: m[1], name: m[2], actions: m[3]!.split(',') }] : [];
    });
    const now = Math.floor(Date.now() / 1000);
    const jwtHeader = { typ: 'JWT', alg: 'RS256', x5c: [cert.der.toString('base64')] };
    const claims = {
      iss: issuer,
      sub: user,
      aud: url.searchParams.get('service') ?? service,
      exp: now + ttlSeconds,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access,
    };
    const signingInput = `${b64url(JSON.stringify(jwtHeader))}.${b64url(JSON.stringify(claims))}`;
    const signature = createSign('RSA-SHA256').update(signingInput).sign(keys.privateKeyPem);
    const token = `${signingInput}.${b64url(signature)}`;
    count++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        token,
        access_token: token,
        expires_in: ttlSeconds,
        issued_at: new Date().toISOString(),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    rootCertPem: cert.pem,
    issued: () => count,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
