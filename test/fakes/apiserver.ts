// A loopback HTTPS stand-in for the apiserver in unit tests of the client plumbing: it records every
// request and answers with what the test says (or never answers), and counts TLS connections. Real
// apiserver behaviour belongs in test/integration; this is for request shapes and error paths.
import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { rsaKeyPair, selfSignedCertificate } from '../testenv/pki.js';

const keys = rsaKeyPair();
const cert = selfSignedCertificate(keys, 'apiserver', ['127.0.0.1']).pem;

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
export type FakeAnswer = { status: number; body: string } | 'hang';

export interface FakeApiserver {
  url: string;
  seen: SeenRequest[];
  connections(): number;
  /** A KubeConfig for it with a bearer token (wrap it in reuseConnections, as the programs do). */
  kubeConfig(): KubeConfig;
  close(): Promise<void>;
}

/** A Kubernetes Status body, as the apiserver sends with an error. */
export const statusBody = (code: number, message: string) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Status', status: 'Failure', code, message });

export async function fakeApiserver(answer: (seen: SeenRequest) => FakeAnswer): Promise<FakeApiserver> {
  const seen: SeenRequest[] = [];
  let connections = 0;
  const server: Server = createServer({ cert, key: keys.privateKeyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(s);
      const a = answer(s);
      if (a === 'hang') return;
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(a.body);
    });
  });
  server.on('secureConnection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    connections: () => connections,
    kubeConfig: () => {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'c', server: url, caData: Buffer.from(cert).toString('base64') }],
        users: [{ name: 'u', token: 'secret-token' }],
        contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
        currentContext: 'x',
      });
      return kc;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
