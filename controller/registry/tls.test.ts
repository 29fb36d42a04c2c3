// TLS settings against a real local HTTPS server (nock cannot speak TLS): an unknown CA fails with
// advice, a CA bundle or insecureSkipTLSVerify gets through, and HTTPS spoken to an HTTP port is named.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type Server, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from './client.js';
import { startSilentPeer } from '../../test/testenv/hostile.js';
import { RegistryError } from './errors.js';

function certificateFor127(): { key: string; cert: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = '01' + randomBytes(8).toString('hex');
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 3600_000);
  const attrs = [{ name: 'commonName', value: 'tagpilot test registry' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
    { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(key), forge.md.sha256.create());
  return { key, cert: forge.pki.certificateToPem(cert) };
}

const tagsHandler: RequestListener = (req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(
    JSON.stringify({ name: 'app', tags: [req.url?.startsWith('/v2/app/tags/list') ? 'ok' : 'wrong-path'] }),
  );
};

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function kindOf(promise: Promise<unknown>): Promise<RegistryError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof RegistryError) return err;
    throw err;
  }
  throw new Error('expected a RegistryError');
}

describe('TLS', () => {
  const pki = certificateFor127();
  const https = createHttpsServer({ key: pki.key, cert: pki.cert }, tagsHandler);
  const http = createHttpServer(tagsHandler);
  let httpsHost = '';
  let httpHost = '';
  const client = new RegistryClient({ maxAttempts: 1 });

  beforeAll(async () => {
    httpsHost = await listen(https);
    httpHost = await listen(http);
  });
  afterAll(async () => {
    await client.close();
    https.close();
    http.close();
  });

  it('fails with a TLS error and advice when the CA is unknown', async () => {
    const err = await kindOf(client.listTags(`${httpsHost}/app`, { plainHTTP: false }));
    expect(err.kind).toBe('tls');
    expect(err.message).toMatch(
      new RegExp(
        `^TLS with registry ${httpsHost} failed \\((SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE)`,
      ),
    );
    expect(err.message).toContain('trust its CA (caBundle, --ca-file)');
  });

  it('trusts a CA bundle', async () => {
    expect(await client.listTags(`${httpsHost}/app`, { plainHTTP: false, caBundle: pki.cert })).toEqual([
      'ok',
    ]);
  });

  it('skips verification when told to', async () => {
    expect(
      await client.listTags(`${httpsHost}/app`, { plainHTTP: false, insecureSkipTLSVerify: true }),
    ).toEqual(['ok']);
  });

  it('says when HTTPS is spoken to a plain HTTP registry', async () => {
    const err = await kindOf(client.listTags(`${httpHost}/app`, { plainHTTP: false }));
    expect(err.kind).toBe('tls');
    expect(err.message).toContain('it seems to speak plain HTTP: set plainHTTP (--plain-http)');
  });

  it('uses plain HTTP for 127.0.0.1 by default', async () => {
    expect(await client.listTags(`${httpHost}/app`)).toEqual(['ok']);
  });
});

describe('connect timeout', () => {
  it('fails a registry that accepts TCP but never completes the TLS handshake after connectTimeoutMs', async () => {
    const silent = await startSilentPeer();
    const client = new RegistryClient({ maxAttempts: 1, connectTimeoutMs: 300, timeoutMs: 10_000 });
    try {
      const started = Date.now();
      const err = await kindOf(client.listTags(`${silent.host}/app`, { plainHTTP: false }));
      expect(err.kind).toBe('timeout');
      expect(err.message).toBe(
        `registry ${silent.host} did not accept a connection within 0.3 s for the tags of ${silent.host}/app`,
      );
      // Not blocked until the request's deadline.
      expect(Date.now() - started).toBeLessThan(8_000);
    } finally {
      await client.close();
      await silent.close();
    }
  });
});
