// Leader election on a coordination.k8s.io/v1 Lease with client-go's semantics (tools/leaderelection):
//
// - Expiry is judged by this replica's own monotonic clock: a candidate takes the Lease over only once
//   the record (holder, times, transitions) has not changed for `leaseDurationSeconds` since it first saw
//   it so. The times written in the Lease are informational; no replica compares them with its clock, so
//   clock skew between replicas does not matter (only the rate at which clocks run does).
// - The leader renews every retry period. It stops leading when it has not renewed within the renew
//   deadline, counted from when it sent its last successful renewal. That write reached the apiserver
//   before any other replica could see it, so every other replica waits at least the lease duration
//   (longer than the deadline) from then: the old leader has stopped before a new one can start.
// - Every write names the resourceVersion it read; a 409 means someone else wrote, so the elector reads
//   again instead of overwriting.
// - A stopping leader first finishes its leader work, then releases the Lease (empty holder, 1 s
//   duration) so a successor takes over on its next retry instead of waiting for expiry.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { KubeConfig } from '@kubernetes/client-node';
import { errorMessage } from './errors.js';
import { isConflict, kubeMessage } from './kube.js';
import { KubeLeaseLock, type LeaseLock, type LeaseRecord, type StoredLease } from './lease-lock.js';
import type { Logger } from './logger.js';
import { systemClock, type QueueClock } from './work-queue.js';

/** A candidate waits between one and 1 + JITTER_FACTOR retry periods, so replicas do not retry in step. */
export const JITTER_FACTOR = 1.2;

/** This replica's identity in a Lease: the Pod name when the downward API sets it, else unique per process. */
export function leaderIdentity(env: NodeJS.ProcessEnv = process.env): string {
  return env.POD_NAME || `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export interface LeaderTimings {
  leaseDurationSeconds: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

/**
 * Fills in client-go's defaults (15 s, 10 s, 2 s; for another lease duration, the same ratios) and
 * rejects timings under which two leaders could overlap or a leader gets no second try.
 */
export function leaderTimings(t: Partial<LeaderTimings> = {}): LeaderTimings {
  const leaseDurationSeconds = t.leaseDurationSeconds ?? 15;
  const leaseMs = leaseDurationSeconds * 1000;
  const renewDeadlineMs = t.renewDeadlineMs ?? Math.floor((leaseMs * 2) / 3);
  const retryPeriodMs = t.retryPeriodMs ?? Math.floor((leaseMs * 2) / 15);
  if (!Number.isInteger(leaseDurationSeconds) || leaseDurationSeconds < 1)
    throw new Error(
      `leader election: the lease duration must be a whole number of seconds, at least 1 (got ${leaseDurationSeconds})`,
    );
  if (!(retryPeriodMs > 0))
    throw new Error(`leader election: the retry period must be positive (got ${retryPeriodMs} ms)`);
  if (!(leaseMs > renewDeadlineMs))
    throw new Error(
      `leader election: the lease duration (${leaseMs} ms) must be longer than the renew deadline ` +
        `(${renewDeadlineMs} ms), or a leader that cannot renew could still act when another takes ` +
        'over; shorten the renew deadline or lengthen the lease duration',
    );
  if (!(renewDeadlineMs > retryPeriodMs * JITTER_FACTOR))
    throw new Error(
      `leader election: the renew deadline (${renewDeadlineMs} ms) must be longer than ${JITTER_FACTOR} × ` +
        `the retry period (${retryPeriodMs} ms), or one failed renewal ends the leadership; ` +
        'lengthen the renew deadline or shorten the retry period',
    );
  return { leaseDurationSeconds, renewDeadlineMs, retryPeriodMs };
}

/** Where the Lease is: a Kubernetes Lease by name, or any LeaseLock (tests use an in-memory one). */
type LeaseSource = { lock: LeaseLock } | { kubeConfig: KubeConfig; namespace: string; name: string };

export type LeaderElectionOptions = LeaseSource &
  Partial<LeaderTimings> & {
    /** Unique per replica: see leaderIdentity(). */
    identity: string;
    log: Logger;
    /** Called (not awaited by the election loop) when this replica starts leading. */
    onStartedLeading: () => void | Promise<void>;
    /** Called when leadership ends, before the renew deadline passes; the caller must stop acting. */
    onStoppedLeading: () => void | Promise<void>;
    /** Monotonic time and timers; default performance.now() and real timers. */
    clock?: QueueClock;
    /** The wall clock written into the Lease's acquire/renew times (informational only). */
    wallClock?: () => Date;
    /** For the candidates' retry jitter; default Math.random. */
    random?: () => number;
  };

const monotonicClock: QueueClock = { ...systemClock, now: () => performance.now() };

/** The fields whose change shows the holder is alive (client-go compares the whole record). */
const recordKey = (r: LeaseRecord) =>
  JSON.stringify([
    r.holderIdentity,
    r.leaseDurationSeconds,
    r.acquireTime?.getTime(),
    r.renewTime?.getTime(),
    r.leaseTransitions,
  ]);

export class LeaderElector {
  private readonly lock: LeaseLock;
  private readonly timings: LeaderTimings;
  private readonly clock: QueueClock;
  private readonly wallClock: () => Date;
  private readonly random: () => number;
  private leading = false;
  private stopped = true;
  /** The last record seen and the local time at which it was first seen with this content. */
  private observed: { key: string; lease: StoredLease; at: number } | undefined;
  /** Numbers the attempts, so a late answer to an abandoned one is ignored. */
  private attempt = 0;
  private deadline: unknown;
  private wake: (() => void) | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  /** The leadership callbacks, one after another, so a stop never overtakes the start before it. */
  private callbacks: Promise<void> = Promise.resolve();

  constructor(private readonly opts: LeaderElectionOptions) {
    this.timings = leaderTimings(opts);
    this.lock = 'lock' in opts ? opts.lock : new KubeLeaseLock(opts.kubeConfig, opts.namespace, opts.name);
    this.clock = opts.clock ?? monotonicClock;
    this.wallClock = opts.wallClock ?? (() => new Date());
    this.random = opts.random ?? Math.random;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loopDone = this.loop();
  }

  /**
   * Stops campaigning. A leader stops leading (onStoppedLeading runs to its end), then releases the Lease
   * so a successor takes over at once rather than after the lease duration.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wake?.();
    this.stepDown('stopping');
    await this.loopDone;
    await this.callbacks;
    await this.release().catch((err: unknown) =>
      this.opts.log.warn(
        { lease: this.lock.description, err: kubeMessage(err) },
        'could not release the Lease',
      ),
    );
  }

  private async loop(): Promise<void> {
    const { retryPeriodMs, renewDeadlineMs } = this.timings;
    while (!this.stopped) {
      const sentAt = this.clock.now();
      const attempt = ++this.attempt;
      const acquired = await this.bounded(this.tryAcquireOrRenew(attempt), renewDeadlineMs);
      if (this.stopped) break;
      if (acquired) this.renewed(sentAt);
      else if (this.leading && this.observed?.lease.record.holderIdentity !== this.opts.identity)
        this.stepDown('another replica holds the Lease');
      const jitter = this.leading ? 0 : this.random() * JITTER_FACTOR;
      await this.sleep(retryPeriodMs * (1 + jitter));
    }
  }

  /** One acquire-or-renew; false when the Lease is held by a live leader or the write lost a race. */
  private async tryAcquireOrRenew(attempt: number): Promise<boolean> {
    const now = this.wallClock();
    // The leader writes over the version it wrote last, without reading first.
    const mine = this.leading ? this.observed?.lease : undefined;
    if (mine?.record.holderIdentity === this.opts.identity) {
      try {
        this.observe(attempt, await this.lock.update(this.claim(mine.record, now), mine.resourceVersion));
        return true;
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    }
    // Read, and after a 409 read once more: someone else wrote in between.
    for (let tries = 0; tries < 2; tries++) {
      const current = await this.lock.get();
      if (attempt !== this.attempt) return false;
      try {
        if (!current) {
          this.observe(attempt, await this.lock.create(this.claim(undefined, now)));
          return true;
        }
        this.observe(attempt, current);
        const holder = current.record.holderIdentity;
        if (holder !== '' && holder !== this.opts.identity && !this.expired()) return false;
        this.observe(
          attempt,
          await this.lock.update(this.claim(current.record, now), current.resourceVersion),
        );
        return true;
      } catch (err) {
        if (!isConflict(err)) throw err;
        this.opts.log.debug(
          { lease: this.lock.description },
          'Lease changed meanwhile (409); reading it again',
        );
      }
    }
    return false;
  }

  /** The record this replica writes to acquire or renew. */
  private claim(old: LeaseRecord | undefined, now: Date): LeaseRecord {
    const renewing = old?.holderIdentity === this.opts.identity;
    return {
      holderIdentity: this.opts.identity,
      leaseDurationSeconds: this.timings.leaseDurationSeconds,
      acquireTime: renewing ? old.acquireTime : now,
      renewTime: now,
      leaseTransitions: old ? old.leaseTransitions + (renewing ? 0 : 1) : 0,
    };
  }

  private observe(attempt: number, lease: StoredLease): void {
    if (attempt !== this.attempt) return;
    const key = recordKey(lease.record);
    const at = this.observed?.key === key ? this.observed.at : this.clock.now();
    this.observed = { key, lease, at };
  }

  /** True once the observed record has not changed for its lease duration, by this replica's clock. */
  private expired(): boolean {
    const o = this.observed;
    return !o || this.clock.now() >= o.at + o.lease.record.leaseDurationSeconds * 1000;
  }

  /** A successful acquire or renew sent at `sentAt`: lead until sentAt + renew deadline unless renewed again. */
  private renewed(sentAt: number): void {
    const left = sentAt + this.timings.renewDeadlineMs - this.clock.now();
    if (left <= 0) return; // too late to count; the next attempt renews (the Lease names this replica)
    this.clock.clearTimeout(this.deadline);
    this.deadline = this.clock.setTimeout(
      () => this.stepDown('could not renew the Lease within the renew deadline'),
      left,
    );
    if (this.leading) return;
    this.leading = true;
    this.opts.log.info({ lease: this.lock.description, identity: this.opts.identity }, 'became leader');
    this.run(this.opts.onStartedLeading, 'onStartedLeading');
  }

  private stepDown(reason: string): void {
    this.clock.clearTimeout(this.deadline);
    if (!this.leading) return;
    this.leading = false;
    const fields = { lease: this.lock.description, identity: this.opts.identity, reason };
    if (reason === 'stopping') this.opts.log.info(fields, 'stopped leading');
    else this.opts.log.warn(fields, 'stopped leading');
    this.run(this.opts.onStoppedLeading, 'onStoppedLeading');
  }

  private run(callback: () => void | Promise<void>, name: string): void {
    this.callbacks = this.callbacks
      .then(callback)
      .catch((err: unknown) =>
        this.opts.log.error({ err: errorMessage(err) }, `leader election: ${name} failed`),
      );
  }

  private async release(): Promise<void> {
    for (let tries = 0; tries < 2; tries++) {
      const lease = this.observed?.lease;
      if (lease?.record.holderIdentity !== this.opts.identity) return;
      const now = this.wallClock();
      const released: LeaseRecord = {
        holderIdentity: '',
        leaseDurationSeconds: 1,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: lease.record.leaseTransitions,
      };
      try {
        this.observe(this.attempt, await this.lock.update(released, lease.resourceVersion));
        this.opts.log.info({ lease: this.lock.description }, 'released the Lease');
        return;
      } catch (err) {
        if (!isConflict(err)) throw err;
        const current = await this.lock.get();
        if (!current) return;
        this.observe(this.attempt, current);
      }
    }
  }

  /** The attempt's answer, or false when it fails or takes longer than `ms` (a hung request). */
  private bounded(attempt: Promise<boolean>, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => {
        this.opts.log.warn({ lease: this.lock.description, ms }, 'leader election: Lease request timed out');
        resolve(false);
      }, ms);
      attempt.then(
        (ok) => {
          this.clock.clearTimeout(timer);
          resolve(ok);
        },
        (err: unknown) => {
          this.clock.clearTimeout(timer);
          this.opts.log.warn(
            { lease: this.lock.description, err: kubeMessage(err) },
            'leader election: Lease request failed',
          );
          resolve(false);
        },
      );
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => resolve(), ms);
      this.wake = () => {
        this.clock.clearTimeout(timer);
        resolve();
      };
    });
  }
}
