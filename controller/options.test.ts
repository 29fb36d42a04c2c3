import { describe, expect, it } from 'vitest';
import { UsageError, envName, parseControllerArgs, usage } from './options.js';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const o = parseControllerArgs(argv, env);
  if (o === 'help') throw new Error('unexpected help');
  return o;
};

describe('parseControllerArgs', () => {
  it('has safe defaults', () => {
    const o = parse([]);
    expect(o).toMatchObject({
      namespaces: [],
      dryRun: false,
      concurrency: 10,
      leaderElect: false,
      leaderElectionNamespace: 'tagpilot-system',
      leaseName: 'tagpilot-controller',
      leaseDurationMs: 15_000,
      port: 8080,
      statusHeartbeatMs: 600_000,
      registryCacheTtlMs: 60_000,
      cronJitterMs: 5_000,
    });
  });

  it('reads the flags the shipped Deployment passes', () => {
    const o = parse([
      '--log-level=info',
      '--port=8080',
      '--leader-elect=true',
      '--leader-election-namespace=tagpilot-system',
    ]);
    expect(o.leaderElect).toBe(true);
    expect(o.logLevel).toBe('info');
    expect(o.leaderElectionNamespace).toBe('tagpilot-system');
  });

  it('takes every flag from TAGPILOT_* too, the command line winning', () => {
    const env = {
      TAGPILOT_NAMESPACES: 'a, b',
      TAGPILOT_DRY_RUN: 'true',
      TAGPILOT_CONCURRENCY: '3',
      TAGPILOT_STATUS_HEARTBEAT: '0',
      TAGPILOT_LEADER_ELECT: '1',
    };
    expect(parse([], env)).toMatchObject({
      namespaces: ['a', 'b'],
      dryRun: true,
      concurrency: 3,
      statusHeartbeatMs: 0,
      leaderElect: true,
    });
    expect(parse(['--concurrency', '7', '--no-dry-run', '--leader-elect=false'], env)).toMatchObject({
      concurrency: 7,
      dryRun: false,
      leaderElect: false,
    });
  });

  it('reads --lease-renew-deadline; without it the elector derives it from --lease-duration', () => {
    expect(parse(['--lease-renew-deadline=8s']).leaseRenewDeadlineMs).toBe(8_000);
    expect(parse([]).leaseRenewDeadlineMs).toBeUndefined();
  });

  it('uses $POD_NAMESPACE for the Lease when no flag says otherwise', () => {
    expect(parse([], { POD_NAMESPACE: 'ops' }).leaderElectionNamespace).toBe('ops');
  });

  it.each([
    [['--concurrency', '0'], /--concurrency must be a whole number of at least 1/],
    [['--port', '70000'], /--port must be at most 65535/],
    [['--status-heartbeat', '5'], /no unit/],
    [['--lease-duration', '1s'], /at least 2s/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['--dry-run=maybe'], /not a boolean/],
  ])('rejects %j', (argv, message) => {
    expect(() => parse(argv)).toThrow(UsageError);
    expect(() => parse(argv)).toThrow(message);
  });

  it('answers help and lists the env name of each flag', () => {
    expect(parseControllerArgs(['--help'], {})).toBe('help');
    expect(envName('registry-cache-ttl')).toBe('TAGPILOT_REGISTRY_CACHE_TTL');
    expect(usage()).toContain('TAGPILOT_DRY_RUN');
  });
});
