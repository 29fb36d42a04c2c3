// `tagpilot alert test FILE.yaml`: send a sample alert through every channel of an AlertConfig manifest,
// so users can check URLs, SMTP settings and Secrets before a real update depends on them. Inline values
// need no cluster; valueFrom references are read from the cluster (--kubeconfig, the AlertConfig's
// namespace or --namespace).
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { CoreV1Api } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { errorMessage } from '../../common/errors.js';
import { loadKubeConfig } from '../../common/kube.js';
import { alertConfigWithDefaults, formatErrors, type AlertConfig } from '../../crds/index.js';
import { alertConfigErrors } from '../../domain/alerts/validate.js';
import { ALERT_EVENTS, DEFAULT_ALERT_EVENT, type AlertEvent } from '../../domain/alerts/events.js';
import {
  deliverAlert,
  kubeValueReader,
  noClusterReader,
  sampleNotification,
  type ValueReader,
} from '../alerts/index.js';
import { fail as failCommand } from './fail.js';

const USAGE = `usage: tagpilot alert test FILE.yaml [options]

Sends a sample alert (ghcr.io/acme/web v1.4.0 → v1.5.0, clearly marked as a test) to every channel of
the AlertConfig in FILE ("-" reads stdin). Prints one line per channel: "ok" or "failed: reason".
Exits 0 when every channel succeeded, 1 when one failed, 2 on invalid input.

  --name NAME            the AlertConfig to use when FILE holds several
  --namespace NS         namespace of valueFrom Secrets/ConfigMaps (default: the manifest's, else the
                         kubeconfig context's, else "default")
  --kubeconfig PATH      cluster to read valueFrom references from (default: $KUBECONFIG, ~/.kube/config,
                         in-cluster); not needed when every value is inline
  --context NAME         kubeconfig context
  --timeout SECONDS      limit for one try of one channel (default 10)
  --attempts N           tries per channel, with backoff in between (default 1)
  --event EVENT          the kind of alert to send: ${ALERT_EVENTS.join(', ')} (default
                         Updated); sent whatever spec.events lists, to preview its wording
  -h, --help             this help

See docs/alerts.md for the channels, TLS modes and templates.`;

const options = {
  name: { type: 'string' },
  namespace: { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  timeout: { type: 'string' },
  attempts: { type: 'string' },
  event: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Bad input: exit code 2 with one stderr line. */
class UsageError extends Error {}

const fail = (message: string, code: number): number => failCommand('alert', message, code);

async function readInput(path: string): Promise<string> {
  try {
    if (path !== '-') return await readFile(path, 'utf8');
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  } catch (err) {
    throw new UsageError(
      `${path}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)})`,
    );
  }
}

/** The AlertConfig of a (possibly multi-document) manifest. */
export function pickAlertConfig(text: string, file: string, name?: string): AlertConfig {
  const docs = parseAllDocuments(text);
  const found: AlertConfig[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new UsageError(`${file}: not valid YAML: ${doc.errors[0]!.message}`);
    const obj = doc.toJS() as { kind?: unknown; metadata?: { name?: unknown } } | null;
    if (obj && typeof obj === 'object' && obj.kind === 'AlertConfig') found.push(obj as AlertConfig);
  }
  const matching = name === undefined ? found : found.filter((a) => a.metadata?.name === name);
  if (matching.length === 1) return matching[0]!;
  if (found.length === 0) throw new UsageError(`${file} holds no AlertConfig (kind: AlertConfig)`);
  if (name !== undefined) throw new UsageError(`${file} holds no AlertConfig named "${name}"`);
  const names = found.map((a) => a.metadata?.name ?? '?').join(', ');
  throw new UsageError(`${file} holds ${found.length} AlertConfigs (${names}); choose one with --name`);
}

function usesValueFrom(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(usesValueFrom);
  if (v === null || typeof v !== 'object') return false;
  return Object.entries(v).some(([k, x]) => k === 'valueFrom' || usesValueFrom(x));
}

function alertEvent(value: string | undefined): AlertEvent {
  if (value === undefined) return DEFAULT_ALERT_EVENT;
  const found = ALERT_EVENTS.find((e) => e === value);
  if (!found) throw new UsageError(`--event must be one of ${ALERT_EVENTS.join(', ')}, got "${value}"`);
  return found;
}

function positiveNumber(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--${flag} must be a positive number, got "${value}"`);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    return fail(`${errorMessage(err)}; run "tagpilot alert --help"`, 2);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }

  let ac: AlertConfig;
  let reader: ValueReader = noClusterReader;
  let timeoutMs: number;
  let attempts: number;
  let event: AlertEvent;
  try {
    const [sub, file, ...extra] = positionals;
    if (sub !== 'test') {
      throw new UsageError(
        sub === undefined
          ? 'missing subcommand: tagpilot alert test FILE.yaml'
          : `unknown subcommand "${sub}"; the only one is "test"`,
      );
    }
    if (file === undefined) throw new UsageError('missing FILE: tagpilot alert test FILE.yaml');
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    timeoutMs = positiveNumber('timeout', values.timeout, 10) * 1000;
    attempts = Math.floor(positiveNumber('attempts', values.attempts, 1));
    event = alertEvent(values.event);

    ac = alertConfigWithDefaults(pickAlertConfig(await readInput(file), file, values.name));
    // The validator admission and the operator use, so the three never disagree.
    const errors = alertConfigErrors(ac);
    if (errors.length > 0) throw new UsageError(`${file}: invalid AlertConfig: ${formatErrors(errors)}`);

    if (usesValueFrom(ac.spec)) {
      let kc;
      try {
        kc = loadKubeConfig({ kubeconfig: values.kubeconfig, context: values.context });
      } catch (err) {
        throw new UsageError(`the AlertConfig reads valueFrom Secrets/ConfigMaps: ${errorMessage(err)}`);
      }
      const contextNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace;
      const namespace = values.namespace ?? ac.metadata?.namespace ?? contextNamespace ?? 'default';
      ac = { ...ac, metadata: { ...ac.metadata, namespace } };
      reader = kubeValueReader(kc.makeApiClient(CoreV1Api));
    }
  } catch (err) {
    if (err instanceof UsageError) return fail(err.message, 2);
    throw err;
  }

  const outcomes = await deliverAlert(ac, sampleNotification(new Date(), event), {
    reader,
    timeoutMs,
    retry: { attempts },
  });
  const width = Math.max(...outcomes.map((o) => o.channel.length));
  for (const o of outcomes) {
    const tries = o.attempts > 1 ? ` (after ${o.attempts} attempts)` : '';
    process.stdout.write(
      `${o.channel.padEnd(width)}  ${o.ok ? `ok${tries}` : `failed: ${o.error ?? o.message}${tries}`}\n`,
    );
  }
  return outcomes.every((o) => o.ok) ? 0 : 1;
}
