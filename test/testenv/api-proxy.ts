// A plain-HTTP proxy on 127.0.0.1 in front of the test apiserver, for tests that need the apiserver to be
// slow at an exact moment: requests matching `hold` are kept unanswered (never forwarded) until released
// or dropped. The controller's kubeconfig points here; the proxy forwards everything else unchanged
// (watches stream through), authenticating with the token the client sent.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeConfig as KC } from '@kubernetes/client-node';

export interface HeldRequest {
  method: string;
  path: string;
}

export interface ApiProxy {
  url: string;
  /** A kubeconfig like `kc` (its user and namespace) whose server is this proxy. */
  kubeConfig(kc: KubeConfig): KubeConfig;
  /** Requests matching `predicate` from now on are held, not forwarded. */
  hold(predicate: (req: HeldRequest) => boolean): void;
  /** Requests held so far. */
  held(): HeldRequest[];
  /** Requests forwarded so far that matched `predicate`. */
  forwarded(predicate: (req: HeldRequest) => boolean): HeldRequest[];
  /** Answers every held request with 503 and stops holding. */
  dropHeld(): void;
  close(): Promise<void>;
}

export async function startApiProxy(upstream: KubeConfig): Promise<ApiProxy> {
  const cluster = upstream.getCurrentCluster();
  if (!cluster) throw new Error('the upstream kubeconfig has no current cluster');
  const target = new URL(cluster.server);
  const ca = cluster.caData ? Buffer.from(cluster.caData, 'base64') : undefined;
  let predicate: ((req: HeldRequest) => boolean) | undefined;
  const held: { req: HeldRequest; res: ServerResponse }[] = [];
  const passed: HeldRequest[] = [];

  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const up = httpsRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
        ...(ca ? { ca } : { rejectUnauthorized: false }),
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    res.on('close', () => up.destroy());
    req.pipe(up);
  };

  const server = createServer((req, res) => {
    const info = { method: req.method ?? 'GET', path: req.url ?? '/' };
    if (predicate?.(info)) {
      held.push({ req: info, res });
      req.resume();
      return;
    }
    passed.push(info);
    forward(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    kubeConfig(kc) {
      const c = kc.getCurrentCluster()!;
      const user = kc.getCurrentUser()!;
      const ctx = kc.getContextObject(kc.getCurrentContext());
      const out = new KC();
      out.loadFromOptions({
        // client-node refuses http:// unless TLS checks are off; there is no TLS between it and the proxy.
        clusters: [{ name: c.name, server: url, skipTLSVerify: true }],
        users: [user],
        contexts: [{ name: 'proxied', cluster: c.name, user: user.name, namespace: ctx?.namespace }],
        currentContext: 'proxied',
      });
      return out;
    },
    hold(p) {
      predicate = p;
    },
    held: () => held.map((h) => h.req),
    forwarded: (p) => passed.filter(p),
    dropHeld() {
      predicate = undefined;
      for (const h of held.splice(0)) {
        if (!h.res.headersSent) h.res.writeHead(503);
        h.res.end();
      }
    },
    close() {
      predicate = undefined;
      for (const h of held.splice(0)) h.res.destroy();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
