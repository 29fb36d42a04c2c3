import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  startHttpPeer,
  startSmtpPeer,
  type HttpPeer,
  type SmtpPeer,
} from '../../test/integration/alerts/peers.js';
import { run } from './alert.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tagpilot-alert-cli-'));
});

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  while (closers.length) await closers.pop()!();
});

async function http(): Promise<HttpPeer> {
  const p = await startHttpPeer();
  closers.push(() => p.close());
  return p;
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  const code = await run(args);
  vi.restoreAllMocks();
  return { code, out, err };
}

async function manifest(name: string, yaml: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, yaml);
  return path;
}

describe('tagpilot alert test', () => {
  it('sends a sample alert to every channel and prints one line per channel', async () => {
    const slack = await http();
    const hook = await http();
    const smtp: SmtpPeer = await startSmtpPeer();
    closers.push(() => smtp.close());
    const file = await manifest(
      'ok.yaml',
      `apiVersion: tagpilot.dev/v1alpha1
kind: AlertConfig
metadata: {name: team}
spec:
  slack: {webhookURL: {value: "${slack.url('/s')}"}}
  email: {host: 127.0.0.1, port: ${smtp.port}, from: tagpilot@example.com, to: [ops@example.com], tlsMode: None}
  webhook: {url: "${hook.url('/w')}", secret: {value: k}}
  templateSubject: "TEST {{ .newTag }}"
`,
    );
    const r = await cli(['test', file]);
    expect(r.err).toBe('');
    expect(r.out).toBe('slack    ok\nemail    ok\nwebhook  ok\n');
    expect(r.code).toBe(0);
    expect(slack.requests).toHaveLength(1);
    expect(hook.requests[0]!.headers['x-tagpilot-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(smtp.messages[0]!.parsed.subject).toBe('TEST v1.5.0');
  });

  it('exits 1 and says why when a channel fails', async () => {
    const slack = await http();
    slack.fallback = { status: 500, body: 'boom' };
    const file = await manifest(
      'fail.yaml',
      `kind: ConfigMap
apiVersion: v1
metadata: {name: unrelated}
---
apiVersion: tagpilot.dev/v1alpha1
kind: AlertConfig
metadata: {name: team}
spec:
  slack: {webhookURL: {value: "${slack.url('/s')}"}}
`,
    );
    const r = await cli(['test', file, '--attempts', '2']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^slack {2}failed: 127\.0\.0\.1:\d+: HTTP 500: boom \(after 2 attempts\)\n$/);
  });

  it.each([
    [['test'], 'missing FILE'],
    [['send', 'x.yaml'], 'unknown subcommand "send"'],
    [[], 'missing subcommand'],
    [['test', '/nonexistent/x.yaml'], 'cannot read the file (ENOENT)'],
    [['test', 'x.yaml', '--timeout', '0'], '--timeout must be a positive number'],
    [['test', '--bogus'], 'Unknown option'],
  ])('exits 2 on %j', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('exits 2 with the field errors of an invalid AlertConfig, sending nothing', async () => {
    const slack = await http();
    const file = await manifest(
      'invalid.yaml',
      `apiVersion: tagpilot.dev/v1alpha1
kind: AlertConfig
metadata: {name: team}
spec:
  slack: {webhookURL: {value: "${slack.url('/s')}"}}
  templateBody: "{{ .tag }}"
  webhook: {url: "not-a-url"}
`,
    );
    const r = await cli(['test', file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('spec.templateBody: Invalid value: line 1, column 1: unknown variable .tag');
    expect(r.err).toContain('spec.webhook.url: Invalid value: must be an http or https URL with a host');
    expect(r.err.match(/spec\.webhook\.url/g)).toHaveLength(1);
    expect(slack.requests).toHaveLength(0);
  });

  it('chooses among several AlertConfigs with --name', async () => {
    const slack = await http();
    const doc = (name: string) => `apiVersion: tagpilot.dev/v1alpha1
kind: AlertConfig
metadata: {name: ${name}}
spec:
  slack: {webhookURL: {value: "${slack.url('/' + name)}"}}
`;
    const file = await manifest('two.yaml', doc('a') + '---\n' + doc('b'));
    const ambiguous = await cli(['test', file]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.err).toContain('holds 2 AlertConfigs (a, b); choose one with --name');
    const chosen = await cli(['test', file, '--name', 'b']);
    expect(chosen.code).toBe(0);
    expect(slack.requests.map((r) => r.path)).toEqual(['/b']);
  });

  it('needs a cluster only for valueFrom, and says so', async () => {
    const file = await manifest(
      'ref.yaml',
      `apiVersion: tagpilot.dev/v1alpha1
kind: AlertConfig
metadata: {name: team}
spec:
  slack: {webhookURL: {valueFrom: {secretKeyRef: {name: slack, key: url}}}}
`,
    );
    const r = await cli(['test', file, '--kubeconfig', join(dir, 'missing-kubeconfig')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^tagpilot alert: the AlertConfig reads valueFrom Secrets\/ConfigMaps: /);
  });
});

describe('tagpilot alert test --event', () => {
  it('sends the sample of the chosen event, with its wording', async () => {
    const hook = await http();
    const file = await manifest(
      'event.yaml',
      `apiVersion: tagpilot.dev/v1alpha1
kind: AlertConfig
metadata: {name: team}
spec:
  webhook: {url: "${hook.url('/w')}"}
  events: [Updated]
`,
    );
    const r = await cli(['test', file, '--event', 'Failed']);
    expect(r.code, r.err).toBe(0);
    expect(hook.requests[0]!.json).toMatchObject({
      event: 'image.failed',
      alertEvent: 'Failed',
      subject: '[tagpilot] tagpilot-test/alert-test: check failed',
      reason: expect.stringMatching(/connection refused \(test alert from tagpilot alert test\)$/),
    });
  });

  it('refuses an unknown event with the list', async () => {
    const r = await cli(['test', await manifest('x.yaml', 'kind: AlertConfig\n'), '--event', 'Deployed']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /--event must be one of Updated, Failed, Recovered, RolledBack, ApprovalPending, Held, got "Deployed"/,
    );
  });
});
