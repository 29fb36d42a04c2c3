import { createServer, connect } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { bundleAfterRotation, certificateInfo, splitPemBundle } from './certs.js';
import { issueCertificates } from './issue.js';
import { certificateState } from './state.js';

const HOUR = 3_600_000;
const hosts = ['tagpilot-webhook.tagpilot-system.svc', '127.0.0.1'];
const now = new Date('2030-01-01T00:00:00Z');
const issued = issueCertificates({ hosts, validityMs: 24 * HOUR, now });
const data = { 'ca.crt': issued.caCert, 'tls.crt': issued.cert, 'tls.key': issued.key };

describe('issueCertificates', () => {
  it('issues a serving certificate for the DNS names and IPs, signed by the CA', () => {
    const info = certificateInfo(issued.cert);
    expect(info.hosts).toEqual(hosts);
    expect(info.notAfter.toISOString()).toBe('2030-01-02T00:00:00.000Z');
    expect(info.notBefore < now).toBe(true);
    const ca = certificateInfo(issued.caCert).x509;
    expect(ca.ca).toBe(true);
    expect(info.x509.ca).toBe(false);
    expect(info.x509.verify(ca.publicKey)).toBe(true);
    // Go's x509 parser (the apiserver's) refuses names outside the PrintableString alphabet.
    for (const name of [ca.subject, info.x509.subject, info.x509.issuer]) {
      expect(name).toMatch(/^CN=[A-Za-z0-9 '()+,\-./:=?]+$/);
    }
  });

  it('serves TLS that a client trusting only the CA accepts for 127.0.0.1', async () => {
    const fresh = issueCertificates({ hosts: ['127.0.0.1'], validityMs: HOUR });
    const server = createServer({ cert: fresh.cert, key: fresh.key }, (s) => s.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const got = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, ca: fresh.caCert }, () => {
        socket.once('data', (d) => resolve(d.toString()));
      });
      socket.on('error', reject);
    });
    server.close();
    expect(got).toBe('ok');
  });
});

describe('certificateState', () => {
  it('keeps valid certificates until the renewal point', () => {
    const state = certificateState(data, {
      hosts,
      now: new Date(now.getTime() + HOUR),
      renewBeforeMs: 8 * HOUR,
    });
    expect(state).toMatchObject({ action: 'keep', renewAt: new Date('2030-01-01T16:00:00Z') });
  });

  it.each([
    ['no Secret', undefined, hosts, 0, /does not exist/],
    ['a missing key', { ...data, 'tls.key': undefined }, hosts, 0, /has no tls\.key/],
    ['garbage', { ...data, 'tls.crt': 'nope' }, hosts, 0, /does not hold PEM/],
    [
      'another CA',
      { ...data, 'ca.crt': issueCertificates({ hosts, validityMs: HOUR }).caCert },
      hosts,
      0,
      /not signed by a CA/,
    ],
    [
      'a foreign key',
      { ...data, 'tls.key': issueCertificates({ hosts, validityMs: HOUR }).key },
      hosts,
      0,
      /does not belong/,
    ],
    [
      'a new host name',
      data,
      [...hosts, 'tagpilot-webhook.other.svc'],
      0,
      /does not cover tagpilot-webhook\.other\.svc/,
    ],
    ['the renewal window', data, hosts, 17 * HOUR, /due for renewal/],
  ])('reissues for %s', (_name, d, h, offset, reason) => {
    const state = certificateState(d, {
      hosts: h,
      now: new Date(now.getTime() + offset),
      renewBeforeMs: 8 * HOUR,
    });
    expect(state.action).toBe('issue');
    expect(state.action === 'issue' && state.reason).toMatch(reason);
  });

  it('reissues when the configured validity was lowered below the certificate lifetime', () => {
    const state = certificateState(data, { hosts, now, renewBeforeMs: 30_000, validityMs: 60_000 });
    expect(state.action === 'issue' && state.reason).toMatch(/longer than the configured/);
    expect(certificateState(data, { hosts, now, renewBeforeMs: HOUR, validityMs: 24 * HOUR }).action).toBe(
      'keep',
    );
  });

  it('accepts a certificate signed by the second CA of a rotation bundle', () => {
    const next = issueCertificates({ hosts, validityMs: 24 * HOUR, now });
    const bundle = bundleAfterRotation(next.caCert, issued.caCert, now);
    expect(certificateState({ ...data, 'ca.crt': bundle }, { hosts, now, renewBeforeMs: HOUR }).action).toBe(
      'keep',
    );
  });
});

describe('bundleAfterRotation', () => {
  it('keeps the new CA and the previous one, never more', () => {
    const b = issueCertificates({ hosts, validityMs: 24 * HOUR, now }).caCert;
    const c = issueCertificates({ hosts, validityMs: 24 * HOUR, now }).caCert;
    const first = bundleAfterRotation(b, issued.caCert, now);
    expect(splitPemBundle(first)).toEqual([b, issued.caCert]);
    const second = bundleAfterRotation(c, first, now);
    expect(splitPemBundle(second)).toEqual([c, b]);
  });

  it('drops a previous CA that has expired', () => {
    const b = issueCertificates({ hosts, validityMs: HOUR, now }).caCert;
    expect(
      splitPemBundle(bundleAfterRotation(b, issued.caCert, new Date(now.getTime() + 48 * HOUR))),
    ).toEqual([b]);
  });
});
