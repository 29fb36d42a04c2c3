// Real peers on loopback for alert tests: an HTTP server standing in for Slack, Discord, Teams and
// generic webhooks, and an SMTP server (smtp-server) that keeps what it receives. Both record everything
// and can be told to fail, so tests check real bytes on the wire instead of mocks.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import forge from 'node-forge';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { rsaKeyPair } from '../../testenv/pki.js';

// ---- HTTP -----------------------------------------------------------------------------------------

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: unknown;
}

export interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Never answer (the client's timeout must fire). */
  hang?: boolean;
}

export interface HttpPeer {
  url(path?: string): string;
  requests: RecordedRequest[];
  /** Replies for the next requests, in order; afterwards `fallback`. */
  script(...replies: Reply[]): void;
  fallback: Reply;
  close(): Promise<void>;
}

export async function startHttpPeer(fallback: Reply = { status: 200, body: 'ok' }): Promise<HttpPeer> {
  const requests: RecordedRequest[] = [];
  const queue: Reply[] = [];
  const peer: HttpPeer = {
    url: (path = '/') => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    requests,
    script: (...replies) => queue.push(...replies),
    fallback,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json });
      const reply = queue.shift() ?? peer.fallback;
      if (reply.hang) return;
      res.writeHead(reply.status, reply.headers ?? {}).end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return peer;
}

/** A port nothing listens on (yet): for "peer down" and "peer comes back". */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// ---- TLS ------------------------------------------------------------------------------------------

export interface ServerCert {
  key: string;
  cert: string;
}

/** Self-signed certificate valid for 127.0.0.1 and localhost (IP SAN: TLS clients check it for IPs). */
export function loopbackCertificate(): ServerCert {
  const keys = rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKeyPem);
  cert.serialNumber = '01' + randomBytes(8).toString('hex');
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  const attrs = [{ name: 'commonName', value: 'tagpilot-test-smtp' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: '127.0.0.1' },
        { type: 2, value: 'localhost' },
      ],
    },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keys.privateKeyPem), forge.md.sha256.create());
  return { key: keys.privateKeyPem, cert: forge.pki.certificateToPem(cert) };
}

// ---- SMTP -----------------------------------------------------------------------------------------

export interface ReceivedMail {
  mailFrom: string;
  rcptTo: string[];
  /** Whether the session was encrypted (implicit TLS or after STARTTLS). */
  secure: boolean;
  user?: string;
  raw: string;
  parsed: ParsedMail;
}

export interface SmtpPeerOptions {
  /** Implicit TLS (SMTPS). Needs tls. */
  implicitTLS?: boolean;
  /** Certificate for STARTTLS / implicit TLS; without it STARTTLS is not offered. */
  tls?: ServerCert;
  /** Require this user/password. */
  auth?: { user: string; pass: string };
  /** Port to listen on (default: any free one). */
  port?: number;
}

export interface SmtpPeer {
  port: number;
  messages: ReceivedMail[];
  /** Reply codes for the next DATA commands, in order (e.g. 451 then 250). */
  failNextData(...codes: number[]): void;
  close(): Promise<void>;
}

export async function startSmtpPeer(opts: SmtpPeerOptions = {}): Promise<SmtpPeer> {
  const messages: ReceivedMail[] = [];
  const dataFailures: number[] = [];
  const options: SMTPServerOptions = {
    secure: opts.implicitTLS === true,
    // Without a certificate the server must really lack STARTTLS: smtp-server would otherwise still
    // answer it with a built-in (expired) certificate.
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : { hideSTARTTLS: true }),
    authOptional: opts.auth === undefined,
    allowInsecureAuth: true,
    disabledCommands: [...(opts.auth === undefined ? ['AUTH'] : []), ...(opts.tls ? [] : ['STARTTLS'])],
    logger: false,
    onAuth(auth, _session, cb) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) {
        cb(null, { user: auth.username });
      } else {
        cb(new Error('Invalid username or password'));
      }
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const code = dataFailures.shift();
        if (code !== undefined) {
          const err = new Error(code >= 500 ? 'Message rejected' : 'Try again later') as Error & {
            responseCode: number;
          };
          err.responseCode = code;
          cb(err);
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw).then(
          (parsed) => {
            messages.push({
              mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              rcptTo: session.envelope.rcptTo.map((r) => r.address),
              secure: session.secure,
              ...(typeof session.user === 'string' ? { user: session.user } : {}),
              raw,
              parsed,
            });
            cb();
          },
          (err: Error) => cb(err),
        );
      });
    },
  };
  const server = new SMTPServer(options);
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    messages,
    failNextData: (...codes) => dataFailures.push(...codes),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
