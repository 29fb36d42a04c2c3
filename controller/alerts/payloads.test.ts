import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { discordPayload, escapeDiscord } from './discord.js';
import { emailContent, transportOptions } from './email.js';
import { buildMessage, facts, subjectText } from './message.js';
import { ADAPTIVE_CARD_CONTENT_TYPE, teamsPayload } from './msteams.js';
import { templateValues, type Notification } from './notification.js';
import { registryLink } from './registry-link.js';
import type { ResolvedEmail } from './resolve.js';
import { escapeSlack, slackPayload } from './slack.js';
import { signBody, webhookDocument, webhookRequest } from './webhook.js';

const n: Notification = {
  namespace: 'prod',
  name: 'web',
  image: 'ghcr.io/acme/web',
  previousTag: 'v1.4.0',
  newTag: 'v1.5.0',
  digest: 'sha256:' + 'a'.repeat(64),
  rule: 'minor updates',
  time: new Date('2026-03-01T10:00:00.123Z'),
  availableTags: Array.from({ length: 25 }, (_, i) => `v1.${i}.0`),
};

describe('template values', () => {
  it('bounds availableTags and fills absent values', () => {
    const v = templateValues({ ...n, previousTag: undefined, digest: undefined });
    expect(v.availableTags).toBe(Array.from({ length: 20 }, (_, i) => `v1.${i}.0`).join(', ') + ' (+5 more)');
    expect(v.previousTag).toBe('(none)');
    expect(v.digest).toBe('(unknown)');
    expect(v.time).toBe('2026-03-01T10:00:00Z');
  });
});

describe('default templates', () => {
  it('say what changed', () => {
    const m = buildMessage({}, n);
    const { subject, text } = emailContent(m);
    expect(subject).toBe('[tagpilot] prod/web: v1.4.0 → v1.5.0');
    expect(text).toContain('Image prod/web was updated from v1.4.0 to v1.5.0 by rule "minor updates".');
    expect(text).toContain('Image:  ghcr.io/acme/web');
    expect(m.templateProblems).toEqual([]);
  });

  it('replace a template that does not parse, and say so', () => {
    const m = buildMessage({ templateSubject: '{{ .nope }}' }, n);
    expect(emailContent(m).subject).toBe('[tagpilot] prod/web: v1.4.0 → v1.5.0');
    expect(m.templateProblems[0]).toContain(
      'spec.templateSubject is invalid (line 1, column 1: unknown variable .nope',
    );
  });
});

describe('Slack Block Kit', () => {
  it('has a header, the body, facts and the registry link', () => {
    const m = buildMessage({ templateBody: 'New: *{{ .newTag }}* <https://x|docs>' }, n);
    const p = slackPayload({ type: 'slack', webhookURL: 'https://h/x', channel: '#ops' }, m) as {
      text: string;
      channel: string;
      blocks: {
        type: string;
        text?: { type: string; text: string };
        fields?: { text: string }[];
        elements?: { text: string }[];
      }[];
    };
    expect(p.channel).toBe('#ops');
    expect(p.text).toBe('[tagpilot] prod/web: v1.4.0 → v1.5.0');
    expect(p.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    expect(p.blocks[0]!.text).toEqual({ type: 'plain_text', text: p.text, emoji: true });
    // Template text keeps its mrkdwn; values are escaped.
    expect(p.blocks[1]!.text).toEqual({ type: 'mrkdwn', text: 'New: *v1.5.0* <https://x|docs>' });
    expect(p.blocks[2]!.fields!.map((f) => f.text)).toEqual([
      '*Image*\n`ghcr.io/acme/web`',
      '*Tag*\n`v1.4.0 → v1.5.0`',
      '*Resource*\n`prod/web`',
      '*Rule*\n`minor updates`',
    ]);
    expect(p.blocks[3]!.elements![0]!.text).toBe(
      '<https://ghcr.io/acme/web|View ghcr.io/acme/web in the registry>',
    );
  });

  it('escapes values so a tag cannot inject a link or mention', () => {
    expect(escapeSlack('<!channel> & <http://evil|x>')).toBe('&lt;!channel&gt; &amp; &lt;http://evil|x&gt;');
    const p = slackPayload(
      { type: 'slack', webhookURL: 'https://h/x' },
      buildMessage({ templateBody: '{{ .rule }}' }, { ...n, rule: '<!here>' }),
    );
    expect(JSON.stringify(p)).not.toContain('<!here>');
    expect(p).not.toHaveProperty('channel');
  });

  it('has no context block when the registry has no known web page', () => {
    const p = slackPayload(
      { type: 'slack', webhookURL: 'https://h/x' },
      buildMessage({}, { ...n, image: 'registry.internal:5000/web' }),
    );
    expect((p.blocks as { type: string }[]).map((b) => b.type)).not.toContain('context');
  });

  it('keeps header text within Block Kit limits', () => {
    const long = buildMessage({ templateSubject: 'x'.repeat(500) }, n);
    const p = slackPayload({ type: 'slack', webhookURL: 'https://h/x' }, long) as {
      blocks: { text?: { text: string } }[];
    };
    expect(p.blocks[0]!.text!.text).toHaveLength(150);
  });
});

describe('Discord embed', () => {
  it('has title, description, fields, link and no mentions', () => {
    const p = discordPayload(buildMessage({}, n)) as {
      allowed_mentions: unknown;
      embeds: {
        title: string;
        description: string;
        url: string;
        fields: { name: string; value: string }[];
        timestamp: string;
      }[];
    };
    expect(p.allowed_mentions).toEqual({ parse: [] });
    expect(p.embeds).toHaveLength(1);
    const e = p.embeds[0]!;
    expect(e.title).toBe('[tagpilot] prod/web: v1.4.0 → v1.5.0');
    expect(e.url).toBe('https://ghcr.io/acme/web');
    expect(e.fields.map((f) => f.name)).toEqual(['Image', 'Tag', 'Resource', 'Rule', 'Digest', 'Time']);
    expect(e.timestamp).toBe('2026-03-01T10:00:00.123Z');
    expect(e.description).toContain('updated from v1.4.0 to v1.5.0 by rule "minor updates"');
  });

  it('escapes markdown in values', () => {
    expect(escapeDiscord('my_tag*1')).toBe('my\\_tag\\*1');
  });
});

describe('Teams Adaptive Card', () => {
  it('is a message with one adaptive card attachment', () => {
    const p = teamsPayload(buildMessage({}, n)) as {
      type: string;
      attachments: {
        contentType: string;
        content: {
          type: string;
          version: string;
          body: { type: string; text?: string; facts?: { title: string; value: string }[] }[];
          actions: { type: string; url: string }[];
        };
      }[];
    };
    expect(p.type).toBe('message');
    expect(p.attachments).toHaveLength(1);
    const a = p.attachments[0]!;
    expect(a.contentType).toBe(ADAPTIVE_CARD_CONTENT_TYPE);
    expect(a.content.type).toBe('AdaptiveCard');
    expect(a.content.body.map((b) => b.type)).toEqual(['TextBlock', 'TextBlock', 'FactSet']);
    expect(a.content.body[0]!.text).toBe('[tagpilot] prod/web: v1.4.0 → v1.5.0');
    expect(a.content.body[2]!.facts).toContainEqual({ title: 'Tag', value: 'v1.4.0 → v1.5.0' });
    expect(a.content.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Open in the registry', url: 'https://ghcr.io/acme/web' },
    ]);
  });
});

describe('generic webhook', () => {
  const doc = webhookDocument(
    buildMessage({}, { ...n, previousTag: undefined }),
    { namespace: 'prod', name: 'team' },
    'id-1',
  );

  it('carries the update as JSON', () => {
    expect(doc).toMatchObject({
      event: 'image.updated',
      id: 'id-1',
      alertConfig: { namespace: 'prod', name: 'team' },
      image: {
        namespace: 'prod',
        name: 'web',
        repository: 'ghcr.io/acme/web',
        previousTag: null,
        newTag: 'v1.5.0',
        time: '2026-03-01T10:00:00Z',
        availableTagsOmitted: 5,
      },
      subject: '[tagpilot] prod/web: (none) → v1.5.0',
    });
    expect(doc.image.availableTags).toHaveLength(20);
  });

  it('signs the exact body with HMAC-SHA256 and never lets a custom header replace Tagpilot headers', () => {
    const req = webhookRequest(
      {
        type: 'webhook',
        url: 'https://h/x',
        secret: 'k3y',
        headers: [
          { name: 'X-Tagpilot-Signature', value: 'forged' },
          { name: 'X-Team', value: 'ops' },
        ],
      },
      doc,
    );
    const expected = 'sha256=' + createHmac('sha256', 'k3y').update(req.body).digest('hex');
    expect(req.headers['X-Tagpilot-Signature']).toBe(expected);
    expect(signBody('k3y', req.body)).toBe(expected);
    expect(req.headers['X-Team']).toBe('ops');
    expect(req.headers['X-Tagpilot-Delivery']).toBe('id-1');
    expect(JSON.parse(req.body)).toEqual(doc);
  });

  it('has no signature header without a secret', () => {
    const req = webhookRequest({ type: 'webhook', url: 'https://h/x', headers: [] }, doc);
    expect(req.headers).not.toHaveProperty('X-Tagpilot-Signature');
  });
});

describe('e-mail', () => {
  it('has text and HTML parts; the HTML escapes everything', () => {
    const m = buildMessage({ templateBody: '<b>{{ .newTag }}</b>' }, { ...n, rule: '<script>' });
    const c = emailContent(m);
    expect(c.text).toBe('<b>v1.5.0</b>');
    expect(c.html).toContain('&lt;b&gt;v1.5.0&lt;/b&gt;');
    expect(c.html).toContain('&lt;script&gt;');
    expect(c.html).not.toContain('<script>');
    expect(c.html).toContain('<a href="https://ghcr.io/acme/web">');
  });

  const ch: ResolvedEmail = {
    type: 'email',
    host: 'smtp.example.com',
    port: 587,
    from: 'a@b.c',
    to: ['d@e.f'],
    tlsMode: 'Auto',
    insecureSkipTLSVerify: false,
  };
  it.each([
    ['Auto', {}, ['secure', 'ignoreTLS', 'requireTLS']],
    ['None', { secure: false, ignoreTLS: true }, ['requireTLS']],
    ['StartTLS', { secure: false, requireTLS: true }, ['ignoreTLS']],
    ['ImplicitTLS', { secure: true }, ['ignoreTLS', 'requireTLS']],
  ] as const)('TLS mode %s maps to nodemailer options', (tlsMode, expected, absent) => {
    const o = transportOptions({ ...ch, tlsMode }, 5000) as unknown as Record<string, unknown>;
    expect(o).toMatchObject(expected);
    for (const k of absent) expect(o).not.toHaveProperty(k);
    expect(o).toMatchObject({ connectionTimeout: 5000, disableFileAccess: true, disableUrlAccess: true });
    expect(o.tls).toMatchObject({ rejectUnauthorized: true, servername: 'smtp.example.com' });
  });

  it('sends no SNI for an IP host and skips verification only when asked', () => {
    const o = transportOptions(
      { ...ch, host: '10.0.0.1', insecureSkipTLSVerify: true, username: 'u', password: 'p' },
      1000,
    );
    expect(o.tls).toEqual({ rejectUnauthorized: false, minVersion: 'TLSv1.2' });
    expect(o.auth).toEqual({ user: 'u', pass: 'p' });
  });
});

describe('registryLink', () => {
  it.each([
    ['nginx', 'https://hub.docker.com/_/nginx'],
    ['docker.io/library/redis', 'https://hub.docker.com/_/redis'],
    ['bitnami/redis', 'https://hub.docker.com/r/bitnami/redis'],
    ['ghcr.io/acme/web', 'https://ghcr.io/acme/web'],
    ['quay.io/prometheus/node-exporter', 'https://quay.io/repository/prometheus/node-exporter'],
    ['registry.internal:5000/web', undefined],
    ['gcr.io/project/app', undefined],
    ['Not A Reference', undefined],
  ])('%s → %s', (image, expected) => {
    expect(registryLink(image)).toBe(expected);
  });
});

describe('events', () => {
  const failure: Notification = {
    ...n,
    previousTag: undefined,
    newTag: 'v1.4.0',
    rule: '',
    event: 'Failed',
    reason: 'registry 127.0.0.1:5000: connection refused',
  };

  it('a failure alert says what failed, never "updated from"', () => {
    const m = buildMessage({}, failure);
    const { subject, text } = emailContent(m);
    expect(subject).toBe('[tagpilot] prod/web: check failed');
    expect(text).toContain('The check of Image prod/web failed: registry 127.0.0.1:5000: connection refused');
    expect(text).not.toMatch(/updated from/);
    expect(facts(m).map((f) => f.label)).toEqual(['Image', 'Tag', 'Resource', 'Event', 'Time']);
    expect(facts(m)[1]!.value).toBe('v1.4.0');
  });

  it.each<[NonNullable<Notification['event']>, RegExp]>([
    ['Recovered', /succeed again/],
    ['RolledBack', /rolled back v1\.4\.0 → v1\.5\.0/],
    ['ApprovalPending', /v1\.5\.0 waits for approval/],
    ['Held', /held/],
  ])('%s has its own default subject', (event, subject) => {
    expect(subjectText(buildMessage({}, { ...n, event }))).toMatch(subject);
  });

  it('templates get the event and the reason', () => {
    const m = buildMessage({ templateSubject: '{{ .event }}: {{ .name }} ({{ .reason }})' }, failure);
    expect(subjectText(m)).toBe('Failed: web (registry 127.0.0.1:5000: connection refused)');
  });

  it('the webhook document and header carry the event and the reason', () => {
    const doc = webhookDocument(buildMessage({}, failure), { namespace: 'prod', name: 'team' }, 'id-2');
    expect(doc).toMatchObject({
      event: 'image.failed',
      alertEvent: 'Failed',
      reason: 'registry 127.0.0.1:5000: connection refused',
    });
    const req = webhookRequest({ type: 'webhook', url: 'https://h/x', headers: [] }, doc);
    expect(req.headers['X-Tagpilot-Event']).toBe('image.failed');
    const update = webhookDocument(buildMessage({}, n), { namespace: 'prod', name: 'team' }, 'id-3');
    expect(update).toMatchObject({ event: 'image.updated', alertEvent: 'Updated', reason: null });
  });

  it('discord colours failures red', () => {
    const embed = (discordPayload(buildMessage({}, failure)).embeds as { color: number }[])[0]!;
    expect(embed.color).toBe(0xe01e5a);
  });
});
