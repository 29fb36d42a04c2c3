import { describe, expect, it } from 'vitest';
import { FLAGS, parseDurationMs, parseOperatorArgs, UsageError } from './options.js';

const noEnv = {};

describe('parseOperatorArgs', () => {
  it('has in-cluster defaults', () => {
    const c = parseOperatorArgs([], { POD_NAMESPACE: 'tp' });
    expect(c).toMatchObject({
      namespace: 'tp',
      namespaces: [],
      webhookPort: 9443,
      metricsPort: 8080,
      webhookEndpoint: { service: { namespace: 'tp', name: 'tagpilot-operator-webhook', port: 443 } },
      failurePolicy: 'Ignore',
      timeoutSeconds: 5,
      selfSignedCerts: true,
      certValidityMs: 365 * 86_400_000,
      certRenewBeforeMs: 30 * 86_400_000,
      leaderElect: true,
      shutdownDelayMs: 5_000,
    });
  });

  it('reads every flag from TAGPILOT_* and lets the command line win', () => {
    const env = {
      TAGPILOT_NAMESPACE: 'ops',
      TAGPILOT_NAMESPACES: 'a, b',
      TAGPILOT_WEBHOOK_URL: 'https://127.0.0.1:9443/',
      TAGPILOT_WEBHOOK_FAILURE_POLICY: 'Fail',
      TAGPILOT_LEADER_ELECT: 'false',
      TAGPILOT_CERT_VALIDITY: '2m',
      TAGPILOT_CERT_RENEW_BEFORE: '90s',
    };
    const c = parseOperatorArgs(['--namespaces=c', '--leader-elect', '--webhook-timeout-seconds', '10'], env);
    expect(c).toMatchObject({
      namespace: 'ops',
      namespaces: ['c'],
      webhookEndpoint: { url: 'https://127.0.0.1:9443' },
      failurePolicy: 'Fail',
      timeoutSeconds: 10,
      leaderElect: true,
      certValidityMs: 120_000,
      certRenewBeforeMs: 90_000,
    });
    expect(parseOperatorArgs([], env).namespaces).toEqual(['a', 'b']);
    expect(parseOperatorArgs([], env).leaderElect).toBe(false);
  });

  it('follows annotations every 5 minutes by default and checks --follow-default-schedule', () => {
    expect(parseOperatorArgs([], noEnv)).toMatchObject({
      followAnnotations: true,
      followDefaultSchedule: '@every 5m',
    });
    expect(
      parseOperatorArgs(['--follow-annotations=false', '--follow-default-schedule=0 3 * * *'], noEnv),
    ).toMatchObject({
      followAnnotations: false,
      followDefaultSchedule: '0 3 * * *',
    });
    expect(() => parseOperatorArgs(['--follow-default-schedule=@every 2s'], noEnv)).toThrow(
      /--follow-default-schedule: schedule "@every 2s" is shorter than the minimum interval/,
    );
  });

  it('takes --flag=false for booleans', () => {
    expect(parseOperatorArgs(['--self-signed-certs=false'], noEnv).selfSignedCerts).toBe(false);
  });

  it('parses a Service reference with a port', () => {
    expect(parseOperatorArgs(['--webhook-service', 'ops/hooks:8443'], noEnv).webhookEndpoint).toEqual({
      service: { namespace: 'ops', name: 'hooks', port: 8443 },
    });
  });

  it.each([
    [['--webhook-failure-policy', 'Maybe'], /Ignore or Fail/],
    [['--webhook-timeout-seconds', '31'], /1 to 30/],
    [['--webhook-url', 'http://127.0.0.1:9443'], /https/],
    [['--webhook-url', 'https://a', '--webhook-service', 'a/b'], /exclude each other/],
    [['--webhook-service', 'nope'], /NAMESPACE\/NAME/],
    [['--cert-validity', '1h', '--cert-renew-before', '2h'], /shorter than --cert-validity/],
    [['--cert-validity', 'forever'], /invalid duration "forever"/],
    [['--webhook-port', '70000'], /not a port/],
    [['--leader-elect=maybe'], /not true or false/],
    [['--unknown'], /Unknown option/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseOperatorArgs(argv, noEnv)).toThrow(UsageError);
    expect(() => parseOperatorArgs(argv, noEnv)).toThrow(message);
  });

  it('names an environment variable for every flag', () => {
    for (const [flag, spec] of Object.entries(FLAGS)) {
      expect(spec.env).toBe(`TAGPILOT_${flag.toUpperCase().replace(/-/g, '_')}`);
    }
  });
});

describe('parseDurationMs', () => {
  it.each([
    ['8760h', 8760 * 3_600_000],
    ['30d', 30 * 86_400_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1.5s', 1_500],
  ])('%s', (text, ms) => expect(parseDurationMs('x', text)).toBe(ms));
});
