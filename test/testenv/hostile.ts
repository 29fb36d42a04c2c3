// Hostile peers on 127.0.0.1 for the isolation and limit tests: an HTTP server whose answers the test
// scripts (endless bodies, HTML error pages, huge announced lengths), and a TCP server that accepts
// connections and never says a word. Every loop is bounded; close() ends every connection.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';

/** Bytes an endless body writes at most before it gives up by itself (the client should stop far sooner). */
const ENDLESS_CAP = 2 * 1024 ** 3;
const CHUNK = Buffer.alloc(64 * 1024, 'a');

export interface HostilePeer {
  /** `127.0.0.1:<port>` */
  host: string;
  /** Body bytes written per request path (without the query), summed over requests. */
  bytesSent: Map<string, number>;
  /** Requests seen, as `METHOD path`. */
  requests: string[];
  /** TCP connections accepted. */
  connections(): number;
  close(): Promise<void>;
}

export type HostileHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  peer: { streamEndless: (res: ServerResponse, prefix?: string) => void },
) => void;

/**
 * Writes `prefix`, then `a`s until the client goes away (or 2 GiB), as fast as the socket drains: what a
 * registry that streams an endless tag list or manifest looks like. Counts what it wrote.
 */
function endlessWriter(bytesSent: Map<string, number>) {
  return (res: ServerResponse, prefix = '') => {
    const path = (res.req.url ?? '').split('?')[0] ?? '';
    let written = 0;
    const count = (n: number) => {
      written += n;
      bytesSent.set(path, (bytesSent.get(path) ?? 0) + n);
    };
    let closed = false;
    res.on('close', () => (closed = true));
    if (prefix) {
      res.write(prefix);
      count(Buffer.byteLength(prefix));
    }
    const pump = () => {
      while (!closed && written < ENDLESS_CAP) {
        count(CHUNK.length);
        if (!res.write(CHUNK)) {
          res.once('drain', pump);
          return;
        }
      }
      if (!closed) res.end();
    };
    pump();
  };
}

/** An HTTP server on 127.0.0.1 that answers every request with `handler`. */
export async function startHostilePeer(handler: HostileHandler): Promise<HostilePeer> {
  const bytesSent = new Map<string, number>();
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const streamEndless = endlessWriter(bytesSent);
  const server = createHttpServer((req, res) => {
    requests.push(`${req.method} ${(req.url ?? '').split('?')[0]}`);
    handler(req, res, { streamEndless });
  });
  server.on('connection', (s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    host: `127.0.0.1:${port}`,
    bytesSent,
    requests,
    connections: () => connections,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A TCP server on 127.0.0.1 that accepts connections and never answers: a registry that hangs. */
export interface SilentPeer extends Omit<HostilePeer, 'bytesSent' | 'requests'> {
  /** Complete request heads received (none is ever answered). */
  requests(): number;
}

export async function startSilentPeer(): Promise<SilentPeer> {
  const sockets = new Set<Socket>();
  let connections = 0;
  let requests = 0;
  const server = createNetServer((s) => {
    connections++;
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    // Reads what the client sends and never writes a byte. A request head ends with an empty line; HTTP
    // clients may open spare connections that never carry one, so requests are what tests count.
    let tail = '';
    s.on('data', (chunk: Buffer) => {
      const text = tail + chunk.toString('latin1');
      requests += text.split('\r\n\r\n').length - 1;
      tail = text.slice(-3);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    host: `127.0.0.1:${port}`,
    connections: () => connections,
    requests: () => requests,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
