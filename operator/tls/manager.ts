// The leader's side of webhook TLS: keep a valid certificate in the Secret, publish the CA bundle in
// both webhook configurations, and rotate ahead of expiry. Order matters on rotation: the apiserver
// must trust the new CA (published next to the old one) before any replica serves the new certificate.
import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import { Counter } from 'prom-client';
import { errorMessage } from '../../common/errors.js';
import { isNotFound } from '../../common/kube.js';
import type { Logger } from '../../common/logger.js';
import { metricsRegistry } from '../../common/metrics.js';
import { bundleAfterRotation } from './certs.js';
import { CA_KEY, CERT_KEY, certificateState, KEY_KEY, type CertificateData } from './state.js';

const rotations = new Counter({
  name: 'tagpilot_operator_webhook_cert_issued_total',
  help: 'Webhook CA and serving certificates issued by the leader, by reason (initial, renewal, invalid).',
  labelNames: ['reason'] as const,
  registers: [metricsRegistry],
});

export interface CertificateManagerOptions {
  core: CoreV1Api;
  namespace: string;
  secretName: string;
  /** DNS names and IPs the serving certificate must cover. */
  hosts: string[];
  validityMs: number;
  renewBeforeMs: number;
  /** false: another party (cert-manager) writes the Secret; only its ca.crt is published. */
  selfSigned: boolean;
  /** Writes the CA bundle into the webhook configurations (idempotent). */
  publish: (caBundle: string) => Promise<void>;
  log: Logger;
  /** How often configurations are re-applied when nothing is due, to undo manual drift. */
  resyncMs?: number;
  /**
   * Pause between publishing a new CA bundle and writing the new certificate: the apiserver picks up
   * webhook configuration changes asynchronously, and must trust the new CA before anyone serves it.
   */
  propagationDelayMs?: number;
  now?: () => Date;
}

export function decodeSecret(secret: V1Secret | undefined): CertificateData | undefined {
  if (!secret) return undefined;
  const out: CertificateData = {};
  for (const key of [CA_KEY, CERT_KEY, KEY_KEY] as const) {
    const v = secret.data?.[key];
    if (v) out[key] = Buffer.from(v, 'base64').toString('utf8');
  }
  return out;
}

export class CertificateManager {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();
  private failures = 0;
  private wake: (() => void) | undefined;

  constructor(private readonly opts: CertificateManagerOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.wake?.();
    await this.running;
  }

  /** Sleeps unless stopped meanwhile; false when stopped. */
  private pause(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(!this.stopped), ms);
      this.wake = () => {
        clearTimeout(t);
        resolve(false);
      };
    });
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.running = this.tick();
      },
      Math.max(0, delayMs),
    );
  }

  private async tick(): Promise<void> {
    let next: number;
    try {
      next = await this.reconcile();
      this.failures = 0;
    } catch (err) {
      this.failures++;
      next = Math.min(1_000 * 2 ** Math.min(this.failures, 6), 60_000);
      this.opts.log.warn({ err: errorMessage(err), retryInMs: next }, 'webhook certificate reconcile failed');
    }
    this.schedule(next);
  }

  /** One pass; returns when to look again (ms). */
  async reconcile(): Promise<number> {
    const { core, namespace, secretName: name, log } = this.opts;
    const now = this.opts.now?.() ?? new Date();
    const resync = this.opts.resyncMs ?? 10 * 60_000;
    let secret: V1Secret | undefined;
    try {
      secret = await core.readNamespacedSecret({ name, namespace });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const data = decodeSecret(secret);

    if (!this.opts.selfSigned) {
      if (!data?.[CA_KEY]) {
        log.warn(
          { secretName: `${namespace}/${name}` },
          `waiting for ${CA_KEY} in the webhook certificate Secret`,
        );
        return 10_000;
      }
      await this.opts.publish(data[CA_KEY]);
      return resync;
    }

    const state = certificateState(data, {
      hosts: this.opts.hosts,
      now,
      renewBeforeMs: this.opts.renewBeforeMs,
      validityMs: this.opts.validityMs,
    });
    if (state.action === 'keep') {
      await this.opts.publish(data![CA_KEY]!);
      return Math.min(state.renewAt.getTime() - now.getTime(), resync);
    }

    // Loaded on demand: node-forge is only needed for issuing (operator/tls/issue.ts says why).
    const { issueCertificates } = await import('./issue.js');
    const issued = issueCertificates({ hosts: this.opts.hosts, validityMs: this.opts.validityMs, now });
    let bundle = issued.caCert;
    try {
      bundle = bundleAfterRotation(issued.caCert, data?.[CA_KEY], now);
    } catch {
      // An unreadable old bundle has nothing worth keeping.
    }
    await this.opts.publish(bundle);
    // Replicas serve whatever the Secret holds; on a rotation they must not switch before the
    // apiserver trusts the new CA. (The first certificate has no one serving yet.)
    if (secret && !(await this.pause(this.opts.propagationDelayMs ?? 10_000))) return 0;
    const body: V1Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: {
        name,
        namespace,
        labels: { 'app.kubernetes.io/managed-by': 'tagpilot-operator' },
        ...(secret?.metadata?.resourceVersion ? { resourceVersion: secret.metadata.resourceVersion } : {}),
      },
      data: {
        [CA_KEY]: Buffer.from(bundle).toString('base64'),
        [CERT_KEY]: Buffer.from(issued.cert).toString('base64'),
        [KEY_KEY]: Buffer.from(issued.key).toString('base64'),
      },
    };
    // The resourceVersion makes this a compare-and-swap: a conflict means someone else wrote first,
    // and the next pass looks again.
    if (secret) await core.replaceNamespacedSecret({ name, namespace, body });
    else await core.createNamespacedSecret({ namespace, body });
    const reason = !secret ? 'initial' : /due for renewal/.test(state.reason) ? 'renewal' : 'invalid';
    rotations.inc({ reason });
    log.info(
      { secretName: `${namespace}/${name}`, reason: state.reason, hosts: this.opts.hosts },
      'issued webhook certificates',
    );
    return Math.min(this.opts.validityMs - this.opts.renewBeforeMs, resync);
  }
}
