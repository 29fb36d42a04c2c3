// The undici dispatchers registry requests go through: CA bundles, insecureSkipTLSVerify, the connect
// timeout and HTTP(S) proxies. The npm package is kept on the major that Node 24's fetch bundles (undici 7),
// so the dispatcher interfaces match. One Agent per distinct TLS setting, shared by every request that uses it.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici';

export interface ProxySettings {
  httpProxy?: string;
  httpsProxy?: string;
  /** Comma-separated hosts, domains (`.example.com`) and `*`, as in NO_PROXY. */
  noProxy?: string;
}

/** The proxy the environment asks for; empty when none is set. */
export function proxyFromEnv(env: NodeJS.ProcessEnv = process.env): ProxySettings {
  const pick = (name: string) => env[name] || env[name.toLowerCase()] || undefined;
  const httpProxy = pick('HTTP_PROXY');
  const httpsProxy = pick('HTTPS_PROXY') ?? httpProxy;
  const noProxy = pick('NO_PROXY');
  return {
    ...(httpProxy ? { httpProxy } : {}),
    ...(httpsProxy ? { httpsProxy } : {}),
    ...(noProxy ? { noProxy } : {}),
  };
}

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

/** Requests with equal TLS settings share an Agent (and its connections). */
export function agentKey(tls: TlsSettings): string {
  return `${tls.insecureSkipTLSVerify}|${tls.caBundle ? createHash('sha256').update(tls.caBundle).digest('hex') : ''}`;
}

export function createAgent(tls: TlsSettings, connectTimeoutMs: number, proxy: ProxySettings): Dispatcher {
  const connect = {
    timeout: connectTimeoutMs,
    rejectUnauthorized: !tls.insecureSkipTLSVerify,
    // `ca` replaces Node's trust store, so the system roots (and NODE_EXTRA_CA_CERTS) are kept next
    // to the extra bundle.
    ...(tls.caBundle ? { ca: [...rootCertificates, ...extraCACertificates(), tls.caBundle] } : {}),
  };
  const { httpProxy, httpsProxy, noProxy } = proxy;
  return httpProxy || httpsProxy
    ? // Through a proxy the registry's TLS runs inside the CONNECT tunnel: `requestTls` carries the
      // same trust settings there; `connect` still applies to hosts that NO_PROXY exempts.
      new EnvHttpProxyAgent({
        ...{ httpProxy, httpsProxy, noProxy, connect },
        requestTls: connect,
      })
    : new Agent({ connect });
}
