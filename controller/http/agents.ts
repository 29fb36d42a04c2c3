// The node:http/node:https Agents the controller's outbound requests (registries, alert webhooks) go
// through: CA bundles, insecureSkipTLSVerify, the connect timeout, keep-alive and HTTP(S) proxies. The
// registry client keeps one pair (plain HTTP and HTTPS) per distinct TLS setting, shared by every request
// that uses it. node:http rather than fetch: fetch loads Node's bundled undici, with its own WebAssembly
// HTTP parser, for ~15 MiB more RSS (docs/benchmarks.md, "Registry transport without undici" and
// "Alerts without undici (session 6)").
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { openTunnel, proxyFor, type ProxySettings } from './proxy-tunnel.js';

export { proxyFromEnv, type ProxySettings } from './proxy-tunnel.js';

export interface TlsSettings {
  insecureSkipTLSVerify: boolean;
  caBundle: string | undefined;
}

let extraCAs: string[] | undefined;

/** PEM of NODE_EXTRA_CA_CERTS, which Node adds to its default trust store but not to tls.rootCertificates. */
function extraCACertificates(): string[] {
  if (extraCAs === undefined) {
    const file = process.env.NODE_EXTRA_CA_CERTS;
    try {
      extraCAs = file ? [readFileSync(file, 'utf8')] : [];
    } catch {
      extraCAs = []; // Node already warned about the unreadable file at startup
    }
  }
  return extraCAs;
}

/** Requests with equal TLS settings share Agents (and their connections). */
export function agentKey(tls: TlsSettings): string {
  return `${tls.insecureSkipTLSVerify}|${tls.caBundle ? createHash('sha256').update(tls.caBundle).digest('hex') : ''}`;
}

/** The peer did not accept a connection (TCP, proxy tunnel and TLS handshake) within the connect timeout. */
export class ConnectTimeoutError extends Error {
  override readonly name = 'ConnectTimeoutError';
  readonly code = 'ERR_CONNECT_TIMEOUT';
  constructor(readonly timeoutMs: number) {
    super(`no connection within ${timeoutMs} ms`);
  }
}

export interface HttpAgents {
  http: http.Agent;
  https: https.Agent;
}

type ConnectionOptions = { host?: string; port?: number | string } & Record<string, unknown>;
type OnCreate = (err: Error | null, socket?: Duplex) => void;

/**
 * Node's `timeout` is an idle timeout, so the connect timeout is a timer of its own: started with the
 * connection, cleared once it is ready for the request (TCP connected, or the TLS handshake done), and
 * destroying the socket with a ConnectTimeoutError when it fires first.
 */
function withConnectTimeout<S extends Duplex>(socket: S, readyEvent: string, timeoutMs: number): S {
  const timer = setTimeout(() => socket.destroy(new ConnectTimeoutError(timeoutMs)), timeoutMs);
  timer.unref();
  const clear = () => clearTimeout(timer);
  socket.once(readyEvent, clear);
  socket.once('close', clear);
  return socket;
}

/**
 * Connections go direct (returned at once, as Agents and nock's interceptor expect) or, for hosts the
 * proxy settings send through a proxy, through an HTTP CONNECT tunnel handed over by `onCreate` once open;
 * HTTPS runs inside the tunnel with the same trust settings as a direct connection.
 */
function connector(
  secure: boolean,
  direct: (options: ConnectionOptions) => Duplex,
  connectTimeoutMs: number,
  proxy: ProxySettings,
) {
  const readyEvent = secure ? 'secureConnect' : 'connect';
  return (options: ConnectionOptions, onCreate: OnCreate): Duplex | undefined => {
    const host = String(options.host ?? 'localhost');
    const port = Number(options.port ?? (secure ? 443 : 80));
    const via = proxyFor(secure ? 'https:' : 'http:', host, port, proxy);
    if (!via) return withConnectTimeout(direct(options), readyEvent, connectTimeoutMs);
    let timedOut = false;
    let tunnelSocket: Duplex | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      tunnelSocket?.destroy();
      onCreate(new ConnectTimeoutError(connectTimeoutMs));
    }, connectTimeoutMs);
    timer.unref();
    openTunnel(via, host, port, (socket) => (tunnelSocket = socket)).then(
      (tunnel) => {
        if (timedOut) return void tunnel.destroy();
        if (!secure) {
          clearTimeout(timer);
          return onCreate(null, tunnel);
        }
        const tls = direct({ ...options, socket: tunnel });
        tunnelSocket = tls;
        tls.once('secureConnect', () => clearTimeout(timer));
        tls.once('close', () => clearTimeout(timer));
        onCreate(null, tls);
      },
      (err: Error) => {
        clearTimeout(timer);
        if (!timedOut) onCreate(err);
      },
    );
    return undefined;
  };
}

export function createAgents(tls: TlsSettings, connectTimeoutMs: number, proxy: ProxySettings): HttpAgents {
  // Idle keep-alive connections close after this; registries drop theirs after a few seconds anyway.
  const keepAlive = { keepAlive: true, timeout: 30_000 };
  const plain = new http.Agent(keepAlive);
  const plainDirect = http.Agent.prototype.createConnection.bind(plain) as (o: ConnectionOptions) => Duplex;
  plain.createConnection = connector(false, plainDirect, connectTimeoutMs, proxy) as never;
  const secure = new https.Agent({
    ...keepAlive,
    rejectUnauthorized: !tls.insecureSkipTLSVerify,
    // `ca` replaces Node's trust store, so the system roots (and NODE_EXTRA_CA_CERTS) are kept next
    // to the extra bundle.
    ...(tls.caBundle ? { ca: [...rootCertificates, ...extraCACertificates(), tls.caBundle] } : {}),
  });
  const secureDirect = https.Agent.prototype.createConnection.bind(secure) as (
    o: ConnectionOptions,
  ) => Duplex;
  secure.createConnection = connector(true, secureDirect, connectTimeoutMs, proxy) as never;
  return { http: plain, https: secure };
}
