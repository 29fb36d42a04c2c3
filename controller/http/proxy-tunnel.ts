// Outbound HTTP(S) proxies (registry requests use them; alert webhooks do not): which requests go through
// one (HTTP_PROXY, HTTPS_PROXY, NO_PROXY, read as curl and Go programs read them) and the HTTP CONNECT
// tunnel they go through. Plain HTTP is tunnelled too rather than forwarded, so a proxy sees the same kind
// of request for every registry.
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';

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

/** Whether NO_PROXY exempts `host:port`: `*`, a name, a `.domain`/`*.domain` suffix, optionally `:port`. */
function exempt(host: string, port: number, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  if (noProxy.trim() === '*') return true;
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  for (const raw of noProxy.split(/[,\s]/)) {
    if (!raw) continue;
    const parsed = /^(.+):(\d+)$/.exec(raw);
    const entryPort = parsed ? Number(parsed[2]) : 0;
    if (entryPort && entryPort !== port) continue;
    const entry = (parsed ? parsed[1]! : raw)
      .replace(/^\*?\./, '')
      .toLowerCase()
      .replace(/^\[(.*)\]$/, '$1');
    if (name === entry || name.endsWith(`.${entry}`)) return true;
  }
  return false;
}

/** The proxy a request to `protocol//host:port` goes through, or undefined for a direct connection. */
export function proxyFor(
  protocol: 'http:' | 'https:',
  host: string,
  port: number,
  settings: ProxySettings,
): URL | undefined {
  const proxy = protocol === 'https:' ? settings.httpsProxy : settings.httpProxy;
  if (!proxy || exempt(host, port, settings.noProxy)) return undefined;
  return new URL(proxy.includes('://') ? proxy : `http://${proxy}`);
}

/**
 * Opens a CONNECT tunnel to `host:port` through `proxy` (http:// or https://, with user:password as
 * Proxy-Authorization). `started` gets the socket to the proxy at once, so a timeout can destroy it.
 */
export function openTunnel(
  proxy: URL,
  host: string,
  port: number,
  started: (socket: Duplex) => void,
): Promise<Duplex> {
  const secure = proxy.protocol === 'https:';
  const proxyPort = Number(proxy.port || (secure ? 443 : 80));
  const proxyHost = proxy.hostname.replace(/^\[(.*)\]$/, '$1');
  const socket = secure
    ? tls.connect({ host: proxyHost, port: proxyPort, servername: net.isIP(proxyHost) ? '' : proxyHost })
    : net.connect({ host: proxyHost, port: proxyPort });
  started(socket);
  const authority = `${net.isIPv6(host.replace(/^\[(.*)\]$/, '$1')) && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
  const auth = proxy.username
    ? `Proxy-Authorization: Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}\r\n`
    : '';
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const fail = (err: Error) => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    // 'readable' rather than 'data': once its listener is gone the socket is neither flowing nor paused,
    // so the HTTP client (or TLS) that takes it over reads everything after the CONNECT answer.
    const onReadable = () => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) {
        received = Buffer.concat([received, chunk]);
        const end = received.indexOf('\r\n\r\n');
        if (end < 0) {
          if (received.length > 16 * 1024)
            return fail(new Error(`proxy ${proxy.host} sent an oversized CONNECT answer`));
          continue;
        }
        const status = /^HTTP\/1\.[01] (\d{3})/.exec(received.subarray(0, end).toString('latin1'));
        if (status?.[1] !== '200') {
          const line = received.subarray(0, received.indexOf('\r\n')).toString('latin1').slice(0, 100);
          return fail(
            Object.assign(new Error(`proxy ${proxy.host} refused the tunnel to ${authority} (${line})`), {
              code: 'ERR_PROXY_TUNNEL',
            }),
          );
        }
        cleanup();
        const rest = received.subarray(end + 4);
        if (rest.length > 0) socket.unshift(rest);
        return resolve(socket);
      }
    };
    const onClose = () =>
      fail(new Error(`proxy ${proxy.host} closed the connection before the tunnel to ${authority} was open`));
    const cleanup = () => {
      socket.off('readable', onReadable);
      socket.off('error', fail);
      socket.off('close', onClose);
    };
    socket.on('readable', onReadable);
    socket.on('error', fail);
    socket.on('close', onClose);
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth}\r\n`);
  });
}
