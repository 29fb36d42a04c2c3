import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { METRICS_FILTER_LIMITS, metricsRegistry, renderMetrics } from './metrics.js';

/**
 * Connection limits of the server. Node's defaults (5 min per request, 60 s for headers, no connection
 * cap) let a slow or flooding client hold memory and sockets; these bound what one client can take.
 */
export interface OpsLimits {
  /** Whole request, body included. Default 30 s. */
  requestTimeoutMs?: number;
  /** Request line and headers. Default 10 s (at most requestTimeoutMs). */
  headersTimeoutMs?: number;
  /** Idle keep-alive connection. Default 5 s. */
  keepAliveTimeoutMs?: number;
  /** Open connections; more are refused until some close. Default 256. */
  maxConnections?: number;
}

export const DEFAULT_OPS_LIMITS: Required<OpsLimits> = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 256,
};

export interface OpsServerOptions extends OpsLimits {
  host: string;
  port: number;
  /** Readiness: false while caches sync or during shutdown; /readyz answers 503 then. */
  ready: () => boolean;
  /** Extra routes (e.g. the controller's webhook receivers) served on the same port. */
  handle?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
}

/**
 * /metrics (Prometheus; `?name[]=A&name[]=B` renders only those families, docs/controller.md#metrics),
 * /healthz (the process serves), /readyz (ready to do its job).
 */
export async function startOpsServer(
  opts: OpsServerOptions,
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const limits = { ...DEFAULT_OPS_LIMITS, ...definedOnly(opts) };
  const server = createServer(
    {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node checks the two timeouts above only this often (30 s by default).
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    },
    (req, res) => {
      void (async () => {
        const [path, query] = splitUrl(req.url ?? '/');
        if (req.method === 'GET' && path === '/metrics') {
          const names = metricNames(query);
          if (typeof names === 'string') {
            res.writeHead(400, { 'content-type': 'text/plain' }).end(names);
            return;
          }
          const text = await renderMetrics(names);
          res.writeHead(200, { 'content-type': metricsRegistry.contentType }).end(text);
        } else if (req.method === 'GET' && path === '/healthz') {
          res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        } else if (req.method === 'GET' && path === '/readyz') {
          const ready = opts.ready();
          res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ok' : 'not ready');
        } else if (!(opts.handle && (await opts.handle(req, res)))) {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        }
      })().catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    },
  );
  server.maxConnections = limits.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return { server, port, close: () => new Promise((r) => server.close(() => r())) };
}

function splitUrl(url: string): [path: string, query: string] {
  const q = url.indexOf('?');
  return q < 0 ? [url, ''] : [url.slice(0, q), url.slice(q + 1)];
}

/**
 * The families a `/metrics` request asks for with `name[]` (Prometheus's convention for repeated
 * parameters), undefined for all of them, or why the request is refused.
 */
function metricNames(query: string): ReadonlySet<string> | undefined | string {
  const names = new URLSearchParams(query).getAll('name[]');
  if (!names.length) return undefined;
  const { names: most, nameLength } = METRICS_FILTER_LIMITS;
  if (names.length > most || names.some((n) => n.length > nameLength))
    return `too many or too long metric names: at most ${most} name[] parameters of at most ${nameLength} characters each; ask for fewer, or for all of /metrics without name[]\n`;
  return new Set(names);
}

function definedOnly(opts: OpsLimits): OpsLimits {
  const out: OpsLimits = {};
  for (const key of Object.keys(DEFAULT_OPS_LIMITS) as (keyof OpsLimits)[]) {
    if (opts[key] !== undefined) out[key] = opts[key];
  }
  return out;
}
