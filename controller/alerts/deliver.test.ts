// deliverAlert against real peers on loopback: HTTP servers standing in for Slack, Discord, Teams and a
// generic webhook, and a real SMTP server.
import { createHmac } from 'node:crypto';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { AlertConfig } from '../../crds/index.js';
import {
  freePort,
  startHttpPeer,
  startSmtpPeer,
  type HttpPeer,
  type SmtpPeer,
} from '../../test/integration/alerts/peers.js';
import { deliverAlert, type DeliveryDeps } from './deliver.js';
import { updateKey } from './dedupe.js';
import type { Notification } from './notification.js';
import { ValueReadError, type ValueReader } from './values.js';

const notification: Notification = {
  namespace: 'prod',
  name: 'web',
  image: 'ghcr.io/acme/web',
  previousTag: 'v1.4.0',
  newTag: 'v1.5.0',
  digest: 'sha256:' + 'b'.repeat(64),
  rule: 'minor updates',
  time: new Date('2026-03-01T10:00:00Z'),
  availableTags: ['v1.4.0', 'v1.5.0'],
};

const HMAC_KEY = 'sekrit-hmac-key';
const BEARER = 'Bearer sekrit-bearer-token';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function http(fallback?: Parameters<typeof startHttpPeer>[0]): Promise<HttpPeer> {
  const p = await startHttpPeer(fallback);
  cleanups.push(() => p.close());
  return p;
}
async function smtp(opts?: Parameters<typeof startSmtpPeer>[0]): Promise<SmtpPeer> {
  const p = await startSmtpPeer(opts);
  cleanups.push(() => p.close());
  return p;
}

function config(spec: AlertConfig['spec']): AlertConfig {
  return {
    apiVersion: 'tagpilot.dev/v1alpha1',
    kind: 'AlertConfig',
    metadata: { name: 'team', namespace: 'prod' },
    spec,
  };
}

interface Peers {
  slack: HttpPeer;
  discord: HttpPeer;
  teams: HttpPeer;
  hook: HttpPeer;
  smtpPort: number;
}

function everyChannel(p: Peers, extra: Partial<AlertConfig['spec']> = {}): AlertConfig {
  return config({
    slack: { webhookURL: { value: p.slack.url('/services/T0/B0/sekrit-slack') }, channel: '#deploys' },
    discord: { webhookURL: { value: p.discord.url('/api/webhooks/1/sekrit-discord') } },
    msteams: { webhookURL: { value: p.teams.url('/webhookb2/sekrit-teams') } },
    email: {
      host: '127.0.0.1',
      port: p.smtpPort,
      from: 'Tagpilot <tagpilot@example.com>',
      to: ['ops@example.com', 'dev@example.com'],
      tlsMode: 'Auto',
    },
    webhook: {
      url: p.hook.url('/tagpilot'),
      secret: { value: HMAC_KEY },
      headers: [{ name: 'Authorization', value: { value: BEARER } }],
    },
    ...extra,
  });
}

/** No waiting between tries in unit tests; the delays asked for are recorded. */
function fastDeps(extra: DeliveryDeps = {}): DeliveryDeps & { slept: number[] } {
  const slept: number[] = [];
  return {
    timeoutMs: 2_000,
    retry: { attempts: 3 },
    sleep: async (ms) => void slept.push(ms),
    random: () => 0.5,
    slept,
    ...extra,
  };
}

describe('deliverAlert', () => {
  it('sends one message to every channel with the expected shape', async () => {
    const p = {
      slack: await http(),
      discord: await http({ status: 204 }),
      teams: await http({ status: 202 }),
      hook: await http(),
    };
    const mail = await smtp();
    const outcomes = await deliverAlert(
      everyChannel({ ...p, smtpPort: mail.port }),
      notification,
      fastDeps(),
    );

    expect(outcomes.map((o) => [o.channel, o.ok, o.attempts])).toEqual([
      ['slack', true, 1],
      ['discord', true, 1],
      ['msteams', true, 1],
      ['email', true, 1],
      ['webhook', true, 1],
    ]);
    expect(outcomes.every((o) => o.message === 'sent (1 attempt)')).toBe(true);

    // Slack: Block Kit, posted to the webhook path.
    expect(p.slack.requests).toHaveLength(1);
    const slack = p.slack.requests[0]!;
    expect(slack.path).toBe('/services/T0/B0/sekrit-slack');
    expect(slack.headers['content-type']).toBe('application/json');
    expect(slack.json).toMatchObject({
      channel: '#deploys',
      text: '[tagpilot] prod/web: v1.4.0 → v1.5.0',
      blocks: [{ type: 'header' }, { type: 'section' }, { type: 'section' }, { type: 'context' }],
    });

    // Discord: embeds.
    expect(p.discord.requests).toHaveLength(1);
    expect(p.discord.requests[0]!.json).toMatchObject({
      allowed_mentions: { parse: [] },
      embeds: [{ title: '[tagpilot] prod/web: v1.4.0 → v1.5.0', url: 'https://ghcr.io/acme/web' }],
    });

    // Teams: Adaptive Card attachment.
    expect(p.teams.requests).toHaveLength(1);
    expect(p.teams.requests[0]!.json).toMatchObject({
      type: 'message',
      attachments: [
        { contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard' } },
      ],
    });

    // Generic webhook: JSON, HMAC of the exact body, custom header, delivery id = update key.
    expect(p.hook.requests).toHaveLength(1);
    const hook = p.hook.requests[0]!;
    const expectedSig = 'sha256=' + createHmac('sha256', HMAC_KEY).update(hook.body).digest('hex');
    expect(hook.headers['x-tagpilot-signature']).toBe(expectedSig);
    expect(hook.headers['authorization']).toBe(BEARER);
    expect(hook.headers['x-tagpilot-event']).toBe('image.updated');
    expect(hook.headers['x-tagpilot-delivery']).toBe(updateKey(notification));
    expect(hook.json).toMatchObject({
      event: 'image.updated',
      alertConfig: { namespace: 'prod', name: 'team' },
      image: {
        namespace: 'prod',
        name: 'web',
        previousTag: 'v1.4.0',
        newTag: 'v1.5.0',
        digest: notification.digest,
      },
    });

    // E-mail: envelope, headers, both parts.
    expect(mail.messages).toHaveLength(1);
    const m = mail.messages[0]!;
    expect(m.mailFrom).toBe('tagpilot@example.com');
    expect(m.rcptTo).toEqual(['ops@example.com', 'dev@example.com']);
    expect(m.parsed.subject).toBe('[tagpilot] prod/web: v1.4.0 → v1.5.0');
    expect(m.parsed.from?.value).toEqual([{ address: 'tagpilot@example.com', name: 'Tagpilot' }]);
    expect(m.parsed.text).toContain(
      'Image prod/web was updated from v1.4.0 to v1.5.0 by rule "minor updates".',
    );
    expect(m.parsed.html).toContain('<h2 style="font-size:16px">[tagpilot] prod/web: v1.4.0 → v1.5.0</h2>');
    expect(m.parsed.messageId).toBe(`<${updateKey(notification)}@tagpilot.dev>`);
    expect(m.raw).toMatch(/Content-Type: multipart\/alternative/);
  });

  it('renders the AlertConfig templates into every channel', async () => {
    const p = { slack: await http(), discord: await http(), teams: await http(), hook: await http() };
    const mail = await smtp();
    const ac = everyChannel(
      { ...p, smtpPort: mail.port },
      {
        templateSubject: 'Deploy {{ .name }} {{ .newTag }}',
        templateBody: 'Tags: {{ .availableTags }} at {{ .time }}',
      },
    );
    await deliverAlert(ac, notification, fastDeps());
    expect(mail.messages[0]!.parsed.subject).toBe('Deploy web v1.5.0');
    expect(mail.messages[0]!.parsed.text?.trim()).toBe('Tags: v1.4.0, v1.5.0 at 2026-03-01T10:00:00Z');
    expect(p.slack.requests[0]!.json).toMatchObject({ text: 'Deploy web v1.5.0' });
    expect(p.hook.requests[0]!.json).toMatchObject({
      subject: 'Deploy web v1.5.0',
      body: 'Tags: v1.4.0, v1.5.0 at 2026-03-01T10:00:00Z',
    });
  });

  it('keeps going when Slack answers 500, SMTP is down and the webhook is slow; each outcome says why', async () => {
    const p = {
      slack: await http({ status: 500, body: 'internal_error' }),
      discord: await http(),
      teams: await http(),
      hook: await http({ status: 200, hang: true }),
    };
    const deps = fastDeps({ timeoutMs: 300, retry: { attempts: 2 } });
    const outcomes = await deliverAlert(
      everyChannel({ ...p, smtpPort: await freePort() }),
      notification,
      deps,
    );

    const by = Object.fromEntries(outcomes.map((o) => [o.channel, o]));
    expect(by.discord).toMatchObject({ ok: true });
    expect(by.msteams).toMatchObject({ ok: true });
    expect(by.slack).toMatchObject({ ok: false, attempts: 2 });
    expect(by.slack!.message).toMatch(
      /^failed after 2 attempts: 127\.0\.0\.1:\d+: HTTP 500: internal_error$/,
    );
    expect(by.email).toMatchObject({ ok: false, attempts: 2 });
    expect(by.email!.message).toMatch(/^failed after 2 attempts: 127\.0\.0\.1:\d+: connection refused$/);
    expect(by.webhook).toMatchObject({ ok: false, attempts: 2 });
    expect(by.webhook!.message).toMatch(
      /^failed after 2 attempts: 127\.0\.0\.1:\d+: no response within 300 ms$/,
    );
    expect(p.slack.requests).toHaveLength(2);
    expect(p.hook.requests).toHaveLength(2);
    // Never the URL path (the credential of chat webhooks).
    expect(JSON.stringify(outcomes)).not.toContain('sekrit');
  });

  it('succeeds on a retry when the peer comes back', async () => {
    const p = { slack: await http(), discord: await http(), teams: await http(), hook: await http() };
    p.slack.script({ status: 500 }, { status: 503 });
    p.discord.script({ status: 429, headers: { 'retry-after': '7' } });
    p.hook.script({ status: 200, hang: true });
    const smtpPort = await freePort();
    // The e-mail channel's first try reaches a server that hangs up at once; the SMTP server starts in a
    // backoff after that: "comes back" after exactly one failure, whichever channel backs off first
    // (nodemailer is imported on the first e-mail, so the HTTP channels often fail before it connects).
    let hungUp = false;
    let gateClosed!: () => void;
    const gone = new Promise<void>((resolve) => (gateClosed = resolve));
    const gate = createServer((socket) => {
      socket.destroy();
      hungUp = true;
      gate.close(() => gateClosed());
    });
    await new Promise<void>((resolve) => gate.listen(smtpPort, '127.0.0.1', resolve));
    gate.unref();
    let starting: Promise<SmtpPeer> | undefined;
    let mail: SmtpPeer | undefined;
    const deps = fastDeps({
      timeoutMs: 500,
      sleep: async (ms) => {
        deps.slept.push(ms);
        if (!hungUp) return;
        await gone;
        mail = await (starting ??= smtp({ port: smtpPort }));
      },
    });
    const outcomes = await deliverAlert(everyChannel({ ...p, smtpPort }), notification, deps);

    expect(outcomes.map((o) => [o.channel, o.ok, o.attempts])).toEqual([
      ['slack', true, 3],
      ['discord', true, 2],
      ['msteams', true, 1],
      ['email', true, 2],
      ['webhook', true, 2],
    ]);
    expect(outcomes[0]!.message).toBe('sent (3 attempts)');
    expect(mail?.messages).toHaveLength(1);
    expect(p.slack.requests).toHaveLength(3);
    // Discord's Retry-After: 7 s was honoured.
    expect(deps.slept).toContain(7000);
    // Each retry of the webhook carried the same delivery id, so a receiver can dedupe.
    expect(new Set(p.hook.requests.map((r) => r.headers['x-tagpilot-delivery'])).size).toBe(1);
  });

  it('does not retry what a retry cannot fix', async () => {
    const slack = await http({ status: 404, body: 'no_service' });
    const hook = await http({ status: 301, headers: { location: 'https://elsewhere/' } });
    const outcomes = await deliverAlert(
      config({ slack: { webhookURL: { value: slack.url('/x') } }, webhook: { url: hook.url('/x') } }),
      notification,
      fastDeps(),
    );
    expect(outcomes[0]).toMatchObject({ channel: 'slack', ok: false, attempts: 1 });
    expect(outcomes[0]!.message).toMatch(/HTTP 404: no_service \(not retried\)$/);
    expect(outcomes[1]!.message).toMatch(
      /HTTP 301 \(redirect not followed: configure the final URL\) \(not retried\)$/,
    );
    expect(slack.requests).toHaveLength(1);
  });

  it('reports a channel whose Secret is missing and still sends the others', async () => {
    const slack = await http();
    const reader: ValueReader = {
      read: (ref) => Promise.reject(new ValueReadError(`Secret ${ref.namespace}/${ref.name} not found`)),
    };
    const outcomes = await deliverAlert(
      config({
        slack: { webhookURL: { value: slack.url('/ok') } },
        discord: { webhookURL: { valueFrom: { secretKeyRef: { name: 'discord', key: 'url' } } } },
      }),
      notification,
      fastDeps({ reader }),
    );
    expect(outcomes).toEqual([
      expect.objectContaining({ channel: 'slack', ok: true }),
      {
        channel: 'discord',
        ok: false,
        attempts: 0,
        durationMs: 0,
        message: 'not sent: spec.discord.webhookURL: Secret prod/discord not found',
        error: 'spec.discord.webhookURL: Secret prod/discord not found',
      },
    ]);
    expect(slack.requests).toHaveLength(1);
  });

  it('scrubs secret values that a peer echoes back, in outcomes and logs', async () => {
    const hook = await http();
    hook.fallback = { status: 500, body: `bad token ${BEARER} for ${'http://127.0.0.1'}` };
    const lines: string[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }),
    );
    const outcomes = await deliverAlert(
      config({
        webhook: { url: hook.url('/x'), headers: [{ name: 'Authorization', value: { value: BEARER } }] },
      }),
      notification,
      fastDeps({ retry: { attempts: 1 }, logger }),
    );
    expect(outcomes[0]!.ok).toBe(false);
    expect(outcomes[0]!.message).toContain('bad token [redacted]');
    expect(lines.join('')).toContain('[redacted]');
    expect(JSON.stringify(outcomes) + lines.join('')).not.toContain('sekrit');
  });

  it('sends with the default template when the spec template is broken, and says so', async () => {
    const slack = await http();
    const outcomes = await deliverAlert(
      config({ slack: { webhookURL: { value: slack.url('/x') } }, templateSubject: '{{ .oops }}' }),
      notification,
      fastDeps(),
    );
    expect(outcomes[0]!.ok).toBe(true);
    expect(outcomes[0]!.message).toContain('spec.templateSubject is invalid');
    expect(slack.requests[0]!.json).toMatchObject({ text: '[tagpilot] prod/web: v1.4.0 → v1.5.0' });
  });
});
