import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { metricsRegistry } from './metrics.js';

export interface OpsServerOptions {
  host: string;
  port: number;
  /** Readiness: false while caches sync or during shutdown; /readyz answers 503 then. */
  ready: () => boolean;
  /** Extra routes (e.g. the controller's webhook receivers) served on the same port. */
  handle?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
}

/** /metrics (Prometheus), /healthz (the process serves), /readyz (ready to do its job). */
export async function startOpsServer(
  opts: OpsServerOptions,
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method === 'GET' && path === '/metrics') {
        res.writeHead(200, { 'content-type': metricsRegistry.contentType });
        res.end(await metricsRegistry.metrics());
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
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return { server, port, close: () => new Promise((r) => server.close(() => r())) };
}
