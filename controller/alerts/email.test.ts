// The e-mail channel against a real SMTP server (smtp-server) on loopback, for every TLS mode.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AlertConfig, EmailChannel } from '../../crds/index.js';
import {
  loopbackCertificate,
  startSmtpPeer,
  type ServerCert,
  type SmtpPeer,
} from '../../test/integration/alerts/peers.js';
import { deliverAlert, type DeliveryDeps } from './deliver.js';
import { sampleNotification } from './notification.js';

let cert: ServerCert;
beforeAll(() => {
  cert = loopbackCertificate();
});

const peers: SmtpPeer[] = [];
afterEach(async () => {
  while (peers.length) await peers.pop()!.close();
});
afterAll(async () => {
  while (peers.length) await peers.pop()!.close();
});

async function smtp(opts: Parameters<typeof startSmtpPeer>[0]): Promise<SmtpPeer> {
  const p = await startSmtpPeer(opts);
  peers.push(p);
  return p;
}

const deps = (extra: DeliveryDeps = {}): DeliveryDeps => ({
  timeoutMs: 5_000,
  retry: { attempts: 2 },
  sleep: async () => undefined,
  smtpCA: cert.cert,
  ...extra,
});

function send(port: number, email: Partial<EmailChannel>, extra?: DeliveryDeps) {
  const ac: AlertConfig = {
    apiVersion: 'tagpilot.dev/v1alpha1',
    kind: 'AlertConfig',
    metadata: { name: 'mail', namespace: 'prod' },
    spec: {
      email: { host: '127.0.0.1', port, from: 'tagpilot@example.com', to: ['ops@example.com'], ...email },
    },
  };
  return deliverAlert(ac, sampleNotification(new Date('2026-03-01T10:00:00Z')), deps(extra)).then(
    (o) => o[0]!,
  );
}

describe('e-mail TLS modes', () => {
  it.each([
    // mode, server offers STARTTLS, server is implicit TLS, expected encrypted session
    ['Auto', true, false, true],
    ['Auto', false, false, false],
    ['None', true, false, false],
    ['StartTLS', true, false, true],
    ['ImplicitTLS', false, true, true],
  ] as const)(
    '%s (STARTTLS offered: %s, implicit: %s) → encrypted: %s',
    async (tlsMode, starttls, implicitTLS, secure) => {
      const peer = await smtp({ ...(starttls || implicitTLS ? { tls: cert } : {}), implicitTLS });
      const outcome = await send(peer.port, { tlsMode });
      expect(outcome).toMatchObject({ channel: 'email', ok: true, attempts: 1 });
      expect(peer.messages).toHaveLength(1);
      expect(peer.messages[0]!.secure).toBe(secure);
    },
  );

  it('StartTLS fails, without retrying, when the server does not offer it: nothing goes out in clear text', async () => {
    const peer = await smtp({});
    const outcome = await send(peer.port, { tlsMode: 'StartTLS' });
    expect(outcome).toMatchObject({ ok: false, attempts: 1 });
    expect(outcome.message).toMatch(/TLS failed: Error upgrading connection with STARTTLS/);
    expect(peer.messages).toHaveLength(0);
  });

  it('ImplicitTLS against a plain-text server fails', async () => {
    const peer = await smtp({});
    const outcome = await send(peer.port, { tlsMode: 'ImplicitTLS' }, { timeoutMs: 1_000 });
    expect(outcome).toMatchObject({ ok: false, attempts: 1 });
    expect(outcome.message).toContain('the server does not speak TLS on this port');
    expect(peer.messages).toHaveLength(0);
  });

  it('verifies the server certificate unless told not to', async () => {
    const peer = await smtp({ tls: cert });
    const untrusted = await send(peer.port, { tlsMode: 'StartTLS' }, { smtpCA: undefined });
    expect(untrusted).toMatchObject({ ok: false, attempts: 1 });
    expect(untrusted.message).toContain('trust the server certificate or set insecureSkipTLSVerify');
    expect(peer.messages).toHaveLength(0);

    const skipped = await send(
      peer.port,
      { tlsMode: 'StartTLS', insecureSkipTLSVerify: true },
      { smtpCA: undefined },
    );
    expect(skipped.ok).toBe(true);
    expect(peer.messages).toHaveLength(1);
  });
});

describe('e-mail authentication and server replies', () => {
  it('logs in with the configured user', async () => {
    const peer = await smtp({ tls: cert, auth: { user: 'alerts', pass: 'sekrit-pass' } });
    const outcome = await send(peer.port, {
      tlsMode: 'StartTLS',
      username: { value: 'alerts' },
      password: { value: 'sekrit-pass' },
    });
    expect(outcome.ok).toBe(true);
    expect(peer.messages[0]!.user).toBe('alerts');
  });

  it('reports a wrong password without retrying and without the password', async () => {
    const peer = await smtp({ tls: cert, auth: { user: 'alerts', pass: 'right' } });
    const outcome = await send(peer.port, {
      tlsMode: 'StartTLS',
      username: { value: 'alerts' },
      password: { value: 'sekrit-wrong' },
    });
    expect(outcome).toMatchObject({ ok: false, attempts: 1 });
    expect(outcome.message).toContain('authentication failed');
    expect(outcome.message).not.toContain('sekrit');
    expect(peer.messages).toHaveLength(0);
  });

  it('retries a temporary 451 and succeeds', async () => {
    const peer = await smtp({});
    peer.failNextData(451);
    const outcome = await send(peer.port, { tlsMode: 'None' });
    expect(outcome).toMatchObject({ ok: true, attempts: 2 });
    expect(peer.messages).toHaveLength(1);
  });

  it('does not retry a permanent 550', async () => {
    const peer = await smtp({});
    peer.failNextData(550);
    const outcome = await send(peer.port, { tlsMode: 'None' });
    expect(outcome).toMatchObject({ ok: false, attempts: 1 });
    expect(outcome.message).toContain('550');
  });
});
