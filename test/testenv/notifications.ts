import { createServer, type IncomingHttpHeaders } from 'node:http';

/**
 * Receives the registry's push notifications (Distribution `notifications.endpoints`) and keeps them, so
 * tests can see them (`GET /events`) and forward them to a receiver started later (`POST /targets` with
 * `{"url": ...}`; `DELETE /targets` clears). The registry's endpoint URL is fixed at start-up; this relay is
 * what lets each test point the notifications at its own controller.
 */
export interface NotificationRelay {
  url: string;
  close(): Promise<void>;
}

const maxEvents = 2_000;
const maxBody = 4 * 1024 * 1024;

export async function startNotificationRelay(): Promise<NotificationRelay> {
  const events: unknown[] = [];
  const targets = new Set<string>();

  const forward = (body: Buffer, headers: IncomingHttpHeaders) => {
    for (const target of targets) {
      void fetch(target, {
        method: 'POST',
        body,
        headers: {
          'content-type': headers['content-type'] ?? 'application/vnd.docker.distribution.events.v1+json',
          ...(headers.authorization ? { authorization: headers.authorization } : {}),
        },
        signal: AbortSignal.timeout(5_000),
      }).catch(() => undefined);
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= maxBody) chunks.push(c);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (req.method === 'POST' && path === '/events') {
        try {
          const envelope = JSON.parse(body.toString()) as { events?: unknown[] };
          events.push(...(envelope.events ?? []));
          events.splice(0, Math.max(0, events.length - maxEvents));
        } catch {
          res.writeHead(400).end();
          return;
        }
        forward(body, req.headers);
        res.writeHead(200).end();
      } else if (req.method === 'GET' && path === '/events') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(events));
      } else if (req.method === 'POST' && path === '/targets') {
        try {
          targets.add(String((JSON.parse(body.toString()) as { url: string }).url));
        } catch {
          res.writeHead(400).end();
          return;
        }
        res.writeHead(204).end();
      } else if (req.method === 'DELETE' && path === '/targets') {
        targets.clear();
        res.writeHead(204).end();
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
