// Test doubles for leader election: one fake clock shared by every replica (each sees it through its own
// offset, as machines' clocks have different origins), and an in-memory Lease with the apiserver's
// resourceVersion rules and a network between each replica and it that a test can cut.
import type { LeaseLock, LeaseRecord, StoredLease } from '../../common/lease-lock.js';
import type { QueueClock } from '../../common/work-queue.js';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Timer {
  at: number;
  fn: () => void;
  owner: ClockView;
}

export interface ClockView extends QueueClock {
  /** The process is gone (SIGKILL): its timers never fire again. */
  kill(): void;
  dead: boolean;
}

export class FakeClock {
  t = 0;
  private readonly timers = new Map<number, Timer>();
  private id = 0;
  /** Called after every timer (and the promise chains it started) ran: the tests' invariant checks. */
  onTick: () => void = () => undefined;

  view(offsetMs = 0): ClockView {
    const view: ClockView = {
      dead: false,
      now: () => this.t + offsetMs,
      setTimeout: (fn, ms) => {
        const id = ++this.id;
        if (!view.dead) this.timers.set(id, { at: this.t + Math.max(0, ms), fn, owner: view });
        return id;
      },
      clearTimeout: (handle) => {
        this.timers.delete(handle as number);
      },
      kill: () => {
        view.dead = true;
        for (const [id, timer] of this.timers) if (timer.owner === view) this.timers.delete(id);
      },
    };
    return view;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.view().setTimeout(resolve, ms));
  }

  /** Moves time forward, firing due timers in order and letting the promises they settle run. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (let fired = 0; ; fired++) {
      await flush();
      if (fired > 100_000) throw new Error('FakeClock: timers keep firing without time passing');
      let next: [number, Timer] | undefined;
      for (const entry of this.timers)
        if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
      await flush();
      this.onTick();
    }
    this.t = end;
    await flush();
  }
}

const apiError = (code: number, message: string) => Object.assign(new Error(message), { code });

interface Op {
  t: number;
  by: string;
  op: 'get' | 'create' | 'update';
  result: 'ok' | 'conflict' | 'not found';
  holder?: string;
}

/** One Lease in memory. Requests take `latencyMs`, and take effect half-way, as over a network. */
export class FakeLeaseServer {
  lease: StoredLease | undefined;
  private rv = 0;
  readonly ops: Op[] = [];

  constructor(
    private readonly clock: FakeClock,
    private readonly latencyMs = 10,
  ) {}

  lock(by: string): FakeLeaseLock {
    return new FakeLeaseLock(this, by);
  }

  /** Someone else writes the Lease without changing the record (a label, say): the version moves on. */
  touch(): void {
    if (this.lease) this.lease = { ...this.lease, resourceVersion: String(++this.rv) };
  }

  /** Someone else writes itself in as the holder. */
  overwrite(record: LeaseRecord): void {
    this.lease = { record: structuredClone(record), resourceVersion: String(++this.rv) };
  }

  writes(by?: string): Op[] {
    return this.ops.filter((o) => o.op !== 'get' && o.result === 'ok' && (!by || o.by === by));
  }

  conflicts(): number {
    return this.ops.filter((o) => o.result === 'conflict').length;
  }

  async call<T>(lock: FakeLeaseLock, op: Op['op'], apply: () => T): Promise<T> {
    if (lock.network === 'hang') return new Promise<T>(() => undefined);
    await this.clock.sleep(this.latencyMs / 2);
    if (lock.network === 'fail') throw new Error('connect ECONNREFUSED 127.0.0.1:6443');
    const entry: Op = { t: this.clock.t, by: lock.by, op, result: 'ok' };
    this.ops.push(entry);
    let value: T;
    try {
      value = apply();
      entry.holder = this.lease?.record.holderIdentity;
    } catch (err) {
      entry.result = (err as { code?: number }).code === 409 ? 'conflict' : 'not found';
      await this.clock.sleep(this.latencyMs / 2);
      throw err;
    }
    await this.clock.sleep(this.latencyMs / 2);
    return structuredClone(value);
  }

  create(record: LeaseRecord): StoredLease {
    if (this.lease) throw apiError(409, 'leases.coordination.k8s.io "lease" already exists');
    this.lease = { record: structuredClone(record), resourceVersion: String(++this.rv) };
    return this.lease;
  }

  update(record: LeaseRecord, resourceVersion: string): StoredLease {
    if (!this.lease) throw apiError(404, 'leases.coordination.k8s.io "lease" not found');
    if (this.lease.resourceVersion !== resourceVersion)
      throw apiError(409, 'Operation cannot be fulfilled on leases "lease": the object has been modified');
    this.lease = { record: structuredClone(record), resourceVersion: String(++this.rv) };
    return this.lease;
  }
}

export class FakeLeaseLock implements LeaseLock {
  readonly description = 'test/lease';
  /** up: requests reach the server; fail: they are refused; hang: they never return. */
  network: 'up' | 'fail' | 'hang' = 'up';

  constructor(
    private readonly server: FakeLeaseServer,
    readonly by: string,
  ) {}

  get(): Promise<StoredLease | undefined> {
    return this.server.call(this, 'get', () => this.server.lease);
  }

  create(record: LeaseRecord): Promise<StoredLease> {
    return this.server.call(this, 'create', () => this.server.create(record));
  }

  update(record: LeaseRecord, resourceVersion: string): Promise<StoredLease> {
    return this.server.call(this, 'update', () => this.server.update(record, resourceVersion));
  }
}
