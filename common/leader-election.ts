import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from './logger.js';
import { isConflict, isNotFound } from './kube.js';

/**
 * Lease times are metav1.MicroTime, which the apiserver only parses with six fractional digits;
 * @kubernetes/client-node 1.x serialises Date objects with three and the request fails (400).
 */
function microTime(d: Date): Date {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') as unknown as Date;
}

export interface LeaderElectionOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  /** Lease name, one per program (e.g. `tagpilot-controller`). */
  name: string;
  /** Unique per replica: the Pod name in a cluster, hostname + pid elsewhere. */
  identity: string;
  leaseDurationSeconds?: number;
  /** How often the leader renews and candidates retry. */
  retryPeriodMs?: number;
  log: Logger;
  onStartedLeading: () => void | Promise<void>;
  /** Called when leadership is lost; the safe reaction is to stop acting at once. */
  onStoppedLeading: () => void | Promise<void>;
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, the protocol client-go uses: the holder renews
 * `renewTime` every retry period; a candidate takes the Lease over once `renewTime + leaseDurationSeconds`
 * has passed. Every write carries the resourceVersion it read, so two candidates cannot both win.
 */
export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private timer: NodeJS.Timeout | undefined;
  private leading = false;
  private stopped = false;
  private readonly leaseSeconds: number;
  private readonly retryMs: number;

  constructor(private readonly opts: LeaderElectionOptions) {
    this.api = opts.kubeConfig.makeApiClient(CoordinationV1Api);
    this.leaseSeconds = opts.leaseDurationSeconds ?? 15;
    this.retryMs = opts.retryPeriodMs ?? 2_000;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.stopped = false;
    void this.tick();
  }

  /** Stops campaigning; a leader releases the Lease so a successor does not wait for it to expire. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.leading) {
      await this.setLeading(false);
      await this.release().catch((err: unknown) =>
        this.opts.log.warn({ err }, 'could not release the leader Lease'),
      );
    }
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      const acquired = await this.tryAcquireOrRenew();
      await this.setLeading(acquired);
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'leader election: Lease update failed');
      // A leader that cannot renew must assume it lost the Lease once it could have expired.
      if (this.leading && Date.now() - this.lastRenew > this.leaseSeconds * 1000)
        await this.setLeading(false);
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.retryMs);
  }

  private lastRenew = 0;

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.opts;
    const now = new Date();
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      try {
        await this.api.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: this.leaseSeconds,
              acquireTime: microTime(now),
              renewTime: microTime(now),
              leaseTransitions: 0,
            },
          },
        });
        this.lastRenew = Date.now();
        return true;
      } catch (createErr) {
        if (isConflict(createErr)) return false;
        throw createErr;
      }
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const renewedAt = spec.renewTime ? new Date(spec.renewTime).getTime() : 0;
    const duration = (spec.leaseDurationSeconds ?? this.leaseSeconds) * 1000;
    const expired = !holder || renewedAt + duration < now.getTime();
    if (holder !== identity && !expired) return false;
    const transitions = (spec.leaseTransitions ?? 0) + (holder === identity ? 0 : 1);
    try {
      await this.api.replaceNamespacedLease({
        name,
        namespace,
        body: {
          ...lease,
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: this.leaseSeconds,
            acquireTime: holder === identity ? spec.acquireTime : microTime(now),
            renewTime: microTime(now),
            leaseTransitions: transitions,
          },
        },
      });
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
    this.lastRenew = Date.now();
    return true;
  }

  private async release(): Promise<void> {
    const { namespace, name, identity } = this.opts;
    const lease = await this.api.readNamespacedLease({ name, namespace });
    if (lease.spec?.holderIdentity !== identity) return;
    await this.api.replaceNamespacedLease({
      name,
      namespace,
      body: { ...lease, spec: { ...lease.spec, holderIdentity: '', renewTime: microTime(new Date(0)) } },
    });
  }

  private async setLeading(leading: boolean): Promise<void> {
    if (leading === this.leading) return;
    this.leading = leading;
    this.opts.log.info(
      { lease: `${this.opts.namespace}/${this.opts.name}`, identity: this.opts.identity },
      leading ? 'became leader' : 'lost leadership',
    );
    await (leading ? this.opts.onStartedLeading() : this.opts.onStoppedLeading());
  }
}
