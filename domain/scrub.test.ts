import { describe, expect, it } from 'vitest';
import { base64, basicAuthForms, safeExcerpt, scrubSecrets, secretParts } from './scrub.js';

const SLACK = 'https://hooks.slack.com/services/T0SENTINEL/B0SENTINEL/SlackSentinelToken42';

describe('scrubSecrets', () => {
  it.each([
    ['token abc123 rejected', ['abc123'], 'token [redacted] rejected'],
    [`POST ${SLACK} failed`, [SLACK], 'POST [redacted] failed'],
    ['to hooks.slack.com/services/T0SENTINEL/B0SENTINEL/SlackSentinelToken42', [SLACK], 'to [redacted]'],
    ['longest first: abcdef', ['abc', 'abcdef'], 'longest first: [redacted]'],
    ['too short to scrub: ok', ['ok'], 'too short to scrub: ok'],
    ['nothing to do', [], 'nothing to do'],
    ['undefined secrets are skipped', [undefined], 'undefined secrets are skipped'],
  ])('%s', (message, secrets, expected) => {
    expect(scrubSecrets(message, secrets)).toBe(expected);
  });

  it('scrubs the path Slack echoes without the host, in any letter case', () => {
    const out = scrubSecrets('invalid_token for /SERVICES/t0sentinel/b0sentinel/slacksentineltoken42', [
      SLACK,
    ]);
    expect(out.toLowerCase()).not.toMatch(/sentinel/);
    expect(out).toMatch(/^invalid_token for /);
  });

  it('scrubs one echoed segment and pieces of a long one, keeping the host name', () => {
    const out = scrubSecrets('hooks.slack.com: HTTP 403: no_team b0sentinel; token ends SentinelToken4', [
      SLACK,
    ]);
    expect(out).toBe('hooks.slack.com: HTTP 403: no_team [redacted]; token ends [redacted]');
  });

  it('scrubs URL userinfo, query values and percent-encoded forms', () => {
    const url = 'https://bot:p%40ss-Sentinel9@example.com/hook?key=QuerySentinel77&x=1';
    const out = scrubSecrets('user bot, pass p@ss-Sentinel9, query querysentinel77, raw p%40ss-sentinel9', [
      url,
    ]);
    expect(out.toLowerCase()).not.toMatch(/sentinel/);
  });

  it('scrubs Basic credentials a registry quotes back', () => {
    const auth = basicAuthForms('robot', 'PullSecretSentinel');
    const header = `Authorization: Basic ${auth[0]}`;
    expect(scrubSecrets(`registry said: ${header}`, ['robot', 'PullSecretSentinel', ...auth])).toBe(
      'registry said: Authorization: Basic [redacted]',
    );
  });

  it('keeps words of a webhook path that are no credential', () => {
    expect(secretParts('https://discord.com/api/webhooks/12345678/TokenSentinelDiscord')).not.toContain(
      'api',
    );
    expect(secretParts('https://discord.com/api/webhooks/12345678/TokenSentinelDiscord')).toContain(
      '12345678',
    );
  });
});

describe('safeExcerpt', () => {
  it('quotes the start of a 64 KiB answer at once, scrubbed', () => {
    const secret = 'LongBodySentinelSecret';
    const body = `error ${secret} ${'z'.repeat(64 * 1024)}`;
    const started = performance.now();
    const out = safeExcerpt(body, [
      secret,
      'https://hooks.example.com/services/T0/B0/LongBodySentinelSecret',
    ]);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(out.startsWith('error [redacted] zzz')).toBe(true);
    expect(out.toLowerCase()).not.toContain('sentinel');
  });

  it('scrubs before cutting, so a cut never leaves a piece of a secret', () => {
    const secret = 'ExcerptSentinelSecretValue';
    const body = `${'x'.repeat(190)} ${secret} ${'y'.repeat(50)}`;
    const out = safeExcerpt(body, [secret], 200);
    expect(out.toLowerCase()).not.toContain('excerptsent');
    expect(out.length).toBeLessThanOrEqual(201);
  });
});

describe('base64', () => {
  it('matches Buffer for UTF-8 text', () => {
    for (const s of ['user:pass', 'ünïcödé:🔑', ''])
      expect(base64(s)).toBe(Buffer.from(s, 'utf8').toString('base64'));
  });
});
