// The HTTPS server the apiserver calls. The certificate can be swapped while serving
// (tls.Server#setSecureContext): new connections get the new one, open keep-alive connections finish
// on the old one, which is why a rotation keeps the previous CA in the caBundle for a while.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface WebhookServerOptions {
  host: string;
  port: number;
  cert: string;
  key: string;
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

export interface WebhookServer {
  readonly port: number;
  readonly server: Server;
  setCertificate(cert: string, key: string): void;
  /** Stops accepting, lets in-flight requests finish for up to `graceMs`, then cuts what is left. */
  close(graceMs?: number): Promise<void>;
}

export async function startWebhookServer(opts: WebhookServerOptions): Promise<WebhookServer> {
  const server = createServer(
    {
      cert: opts.cert,
      key: opts.key,
      minVersion: 'TLSv1.2',
      // The apiserver keeps connections open between calls; a longer idle timeout than the default
      // 5 s saves it a TLS handshake per admission under light load.
      keepAliveTimeout: 60_000,
    },
    opts.handler,
  );
  const sockets = new Set<Socket>();
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    server,
    setCertificate(cert, key) {
      server.setSecureContext({ cert, key, minVersion: 'TLSv1.2' });
    },
    async close(graceMs = 5_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, graceMs);
      await closed;
      clearTimeout(timer);
    },
  };
}
