// A counting reverse proxy in front of a real registry, used by the registry integration tests and by
// bench/registry-requests.ts to count exactly what reaches the registry, independently of the client's
// own metrics.
//
// Optionally it paginates tag lists the way Distribution v3, Docker Hub, GHCR and Quay do (sorted, `n`
// capped at a page size, `last=`, `Link: <…>; rel="next"`): Debian's Distribution 2.8 ignores `n` and
// returns every tag in one response, so without this the client's pagination would never meet a real
// registry's data.
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RegistryProxyOptions {
  /** host:port of the registry (plain HTTP). */
  upstream: string;
  /** Paginate tag lists with at most this many tags per page; absent: pass tag lists through untouched. */
  maxPageSize?: number;
  /**
   * Answers some requests itself instead of the registry (e.g. a cloud's token exchange that lives on the
   * registry's host); undefined forwards the request.
   */
  handle?: (
    req: IncomingMessage,
    body: Buffer,
  ) => { status: number; headers?: Record<string, string>; body: string } | undefined;
}

export interface ProxiedRequest {
  method: string;
  /** `tags`, `manifests`, `blobs`, `base` (/v2/) or `other`. */
  kind: string;
  path: string;
  status: number;
}

export interface RegistryProxy {
  /** host:port clients use instead of the registry's. */
  host: string;
  requests: ProxiedRequest[];
  /** Requests by `METHOD kind status`, e.g. `GET tags 200`. */
  counts(): Record<string, number>;
  reset(): void;
  close(): Promise<void>;
}

function kindOf(path: string): string {
  if (/^\/v2\/?$/.test(path)) return 'base';
  if (/\/tags\/list$/.test(path)) return 'tags';
  if (/\/manifests\/[^/]+$/.test(path)) return 'manifests';
  if (/\/blobs\//.test(path)) return 'blobs';
  return 'other';
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function forward(
  upstream: string,
  req: IncomingMessage,
  body: Buffer,
  path = req.url ?? '/',
): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
  const [hostname = '127.0.0.1', port = '80'] = upstream.split(':');
  return new Promise((resolve, reject) => {
    const out = httpRequest(
      { hostname, port: Number(port), method: req.method, path, headers: { ...req.headers, host: upstream } },
      (res) => {
        readBody(res).then(
          (b) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: b }),
          reject,
        );
      },
    );
    out.on('error', reject);
    out.end(body);
  });
}

function paginate(
  all: { name?: string; tags?: string[] | null },
  url: URL,
  maxPageSize: number,
): { body: string; link?: string } {
  const tags = [...(all.tags ?? [])].sort();
  const requested = Number(url.searchParams.get('n') ?? maxPageSize);
  const n = Math.max(
    1,
    Math.min(Number.isFinite(requested) && requested > 0 ? requested : maxPageSize, maxPageSize),
  );
  const last = url.searchParams.get('last');
  const start = last === null ? 0 : tags.findIndex((t) => t > last);
  const page = start === -1 ? [] : tags.slice(start, start + n);
  const more = start !== -1 && start + n < tags.length;
  const body = JSON.stringify({ name: all.name, tags: page });
  if (!more) return { body };
  const next = `${url.pathname}?last=${encodeURIComponent(page[page.length - 1] ?? '')}&n=${n}`;
  return { body, link: `<${next}>; rel="next"` };
}

export async function startRegistryProxy(options: RegistryProxyOptions): Promise<RegistryProxy> {
  const requests: ProxiedRequest[] = [];
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const kind = kindOf(url.pathname);
    const body = await readBody(req);
    let status = 502;
    try {
      const own = options.handle?.(req, body);
      if (own) {
        status = own.status;
        res.writeHead(own.status, own.headers ?? {});
        res.end(own.body);
        return;
      }
      if (kind === 'tags' && req.method === 'GET' && options.maxPageSize !== undefined) {
        const upstream = await forward(options.upstream, req, body, url.pathname);
        status = upstream.status;
        if (upstream.status !== 200) {
          res.writeHead(upstream.status, upstream.headers);
          res.end(upstream.body);
          return;
        }
        const page = paginate(JSON.parse(upstream.body.toString('utf8')), url, options.maxPageSize);
        res.writeHead(200, {
          'content-type': 'application/json; charset=utf-8',
          'docker-distribution-api-version': 'registry/2.0',
          ...(page.link ? { link: page.link } : {}),
        });
        res.end(page.body);
        return;
      }
      const upstream = await forward(options.upstream, req, body);
      status = upstream.status;
      res.writeHead(upstream.status, upstream.headers);
      res.end(upstream.body);
    } catch (err) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy error: ${(err as Error).message}`);
    } finally {
      requests.push({ method: req.method ?? 'GET', kind, path: url.pathname + url.search, status });
    }
  };
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    requests,
    counts() {
      const out: Record<string, number> = {};
      for (const r of requests) {
        const key = `${r.method} ${r.kind} ${r.status}`;
        out[key] = (out[key] ?? 0) + 1;
      }
      return out;
    },
    reset() {
      requests.length = 0;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
