import { createServer } from 'node:http';
import type { ControlPlane } from './control-plane.js';

/**
 * Lets tests, which run in worker processes, act on the environment owned by the global-setup process:
 * `POST /restart-apiserver` restarts kube-apiserver on the same port and etcd (an outage of a few seconds).
 */
export async function startControlServer(
  controlPlane: ControlPlane,
): Promise<{ url: string; close(): Promise<void> }> {
  let busy = false;
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'POST' || path !== '/restart-apiserver') {
      res.writeHead(404).end();
      return;
    }
    if (busy) {
      res.writeHead(409).end('a restart is already in progress');
      return;
    }
    busy = true;
    controlPlane
      .restartApiServer()
      .then(
        () => res.writeHead(204).end(),
        (err: Error) => res.writeHead(500).end(err.message),
      )
      .finally(() => (busy = false));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}
