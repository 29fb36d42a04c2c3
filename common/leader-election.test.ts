import { hostname } from 'node:os';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { FakeClock, FakeLeaseServer, type ClockView, type FakeLeaseLock } from '../test/fakes/lease.js';
import { JITTER_FACTOR, LeaderElector, leaderIdentity, leaderTimings } from './leader-election.js';

const HOUR = 3_600_000;
const LEASE_MS = 15_000;
const DEADLINE_MS = 10_000;
const RETRY_MS = 2_000;
/** A candidate's wait between attempts with random() = 0.5. */
const CANDIDATE_WAIT = RETRY_MS * (1 + 0.5 * JITTER_FACTOR);
const WALL0 = Date.parse('2030-01-01T00:00:00Z');
const log = pino({ level: 'silent' });

interface Replica {
  name: string;
  lock: FakeLeaseLock;
  clock: ClockView;
  elector: LeaderElector;
}

/** Replicas on one fake clock and one in-memory Lease; records who acts when, and any overlap. */
function setup() {
  const clock = new FakeClock();
  const server = new FakeLeaseServer(clock);
  const events: { t: number; who: string; what: 'started' | 'stopped' }[] = [];
  const acting = new Set<string>();
  const overlaps: string[] = [];
  const replicas: Replica[] = [];
  clock.onTick = () => {
    const leaders = replicas.filter((r) => r.elector.isLeader && !r.clock.dead).map((r) => r.name);
    if (leaders.length > 1) overlaps.push(`t=${clock.t}: ${leaders.join(' and ')} both lead`);
  };
  function replica(name: string, o: { skewMs?: number; stopTakesMs?: number } = {}): Replica {
    const view = clock.view(o.skewMs ?? 0);
    const lock = server.lock(name);
    const elector = new LeaderElector({
      lock,
      identity: name,
      log,
      leaseDurationSeconds: LEASE_MS / 1000,
      renewDeadlineMs: DEADLINE_MS,
      retryPeriodMs: RETRY_MS,
      clock: view,
      wallClock: () => new Date(WALL0 + view.now()),
      random: () => 0.5,
      onStartedLeading: () => {
        if (acting.size) overlaps.push(`t=${clock.t}: ${name} started while ${[...acting].join()} acted`);
        acting.add(name);
        events.push({ t: clock.t, who: name, what: 'started' });
      },
      onStoppedLeading: async () => {
        if (o.stopTakesMs) await clock.sleep(o.stopTakesMs);
        acting.delete(name);
        events.push({ t: clock.t, who: name, what: 'stopped' });
      },
    });
    const r = { name, lock, clock: view, elector };
    replicas.push(r);
    return r;
  }
  /** SIGKILL: no release, no timer fires again, requests in flight never return. */
  const kill = (r: Replica) => {
    r.clock.kill();
    r.lock.network = 'hang';
    acting.delete(r.name);
  };
  const when = (who: string, what: 'started' | 'stopped') => {
    const e = events.find((x) => x.who === who && x.what === what);
    if (!e) throw new Error(`${who} never ${what}; events: ${JSON.stringify(events)}`);
    return e.t;
  };
  return { clock, server, events, overlaps, replica, kill, when };
}

/** A leads, B follows. */
async function leaderAndFollower(s: ReturnType<typeof setup>, b: { skewMs?: number } = {}) {
  const a = s.replica('a');
  a.elector.start();
  await s.clock.advance(100);
  expect(a.elector.isLeader).toBe(true);
  const follower = s.replica('b', b);
  follower.elector.start();
  await s.clock.advance(100);
  return { a, b: follower };
}

describe('LeaderElector', () => {
  it('creates a missing Lease, leads, and renews every retry period without reading first', async () => {
    const s = setup();
    const a = s.replica('a');
    a.elector.start();
    await s.clock.advance(100);
    expect(a.elector.isLeader).toBe(true);
    const first = s.server.lease!.record;
    expect(first).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 });

    await s.clock.advance(5 * RETRY_MS);
    const now = s.server.lease!.record;
    expect(now.renewTime!.getTime()).toBeGreaterThanOrEqual(first.renewTime!.getTime() + 4 * RETRY_MS);
    expect(now.acquireTime).toEqual(first.acquireTime);
    expect(now.leaseTransitions).toBe(0);
    expect(s.server.writes('a').length).toBeGreaterThanOrEqual(5);
    expect(s.server.ops.filter((o) => o.op === 'get')).toHaveLength(1);
    expect(s.events).toEqual([{ t: expect.any(Number), who: 'a', what: 'started' }]);
  });

  it.each([
    ['ahead', HOUR],
    ['behind', -HOUR],
  ])(
    'a follower whose clock is an hour %s neither takes over a live leader nor waits for its clock once the leader dies',
    async (_, skewMs) => {
      const s = setup();
      const { a, b } = await leaderAndFollower(s, { skewMs });
      await s.clock.advance(10 * LEASE_MS);
      expect(b.elector.isLeader).toBe(false);
      expect(s.server.lease!.record).toMatchObject({ holderIdentity: 'a', leaseTransitions: 0 });

      s.kill(a);
      await s.clock.advance(LEASE_MS + 2 * CANDIDATE_WAIT + 100);
      expect(b.elector.isLeader).toBe(true);
      expect(s.server.lease!.record).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
      expect(s.when('b', 'started')).toBeGreaterThanOrEqual(s.server.writes('a').at(-1)!.t + LEASE_MS);
      expect(s.overlaps).toEqual([]);
    },
  );

  it('takes over once the record it observed has not changed for the lease duration, by its own clock', async () => {
    const s = setup();
    const { a } = await leaderAndFollower(s);
    await s.clock.advance(30_000);
    s.kill(a);
    await s.clock.advance(LEASE_MS + 2 * CANDIDATE_WAIT + 100);

    const lastWrite = s.server.writes('a').at(-1)!.t;
    const firstSeen = s.server.ops.find((o) => o.by === 'b' && o.op === 'get' && o.t > lastWrite)!.t;
    const takeover = s.server.writes('b')[0]!.t;
    expect(takeover).toBeGreaterThanOrEqual(firstSeen + LEASE_MS);
    expect(takeover).toBeLessThanOrEqual(firstSeen + LEASE_MS + CANDIDATE_WAIT + 50);
    expect(s.overlaps).toEqual([]);
  });

  it.each(['fail', 'hang'] as const)(
    'a partitioned leader (requests %s) stops within the renew deadline, before the follower can take over',
    async (network) => {
      const s = setup();
      const { a, b } = await leaderAndFollower(s);
      await s.clock.advance(30_000);
      a.lock.network = network;
      await s.clock.advance(LEASE_MS + 3 * CANDIDATE_WAIT);

      // The last renewal that got through was sent half a round trip before it landed.
      const lastRenewalSent = s.server.writes('a').at(-1)!.t - 5;
      const stopped = s.when('a', 'stopped');
      const started = s.when('b', 'started');
      expect(stopped - lastRenewalSent).toBeLessThanOrEqual(DEADLINE_MS);
      expect(stopped).toBeLessThan(started);
      expect(started - lastRenewalSent).toBeGreaterThanOrEqual(LEASE_MS);
      expect(s.overlaps).toEqual([]);

      // Once the network is back, the old leader sees the new holder and follows.
      a.lock.network = 'up';
      await s.clock.advance(3 * LEASE_MS);
      expect(a.elector.isLeader).toBe(false);
      expect(b.elector.isLeader).toBe(true);
      expect(s.events.filter((e) => e.who === 'a' && e.what === 'started')).toHaveLength(1);
      expect(s.overlaps).toEqual([]);
    },
  );

  it('a stopping leader finishes its leader work, then releases the Lease: the follower takes over at its next retry', async () => {
    const s = setup();
    const a = s.replica('a', { stopTakesMs: 500 });
    a.elector.start();
    await s.clock.advance(100);
    const b = s.replica('b');
    b.elector.start();
    await s.clock.advance(10_000);

    const stopping = a.elector.stop();
    await s.clock.advance(1_000);
    await stopping;
    const release = s.server.writes('a').at(-1)!;
    expect(release.holder).toBe('');
    expect(release.t).toBeGreaterThanOrEqual(s.when('a', 'stopped'));
    expect(s.server.lease!.record).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });

    await s.clock.advance(CANDIDATE_WAIT + 100);
    expect(b.elector.isLeader).toBe(true);
    expect(s.when('b', 'started') - release.t).toBeLessThanOrEqual(CANDIDATE_WAIT + 50);
    expect(s.server.lease!.record).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    expect(s.overlaps).toEqual([]);
  });

  it('a replica that never led writes nothing when it stops', async () => {
    const s = setup();
    const { b } = await leaderAndFollower(s);
    const writes = s.server.writes('b').length;
    const stopping = b.elector.stop();
    await s.clock.advance(RETRY_MS);
    await stopping;
    expect(s.server.writes('b')).toHaveLength(writes);
  });

  it.each([
    ['missing', false],
    ['released', true],
  ])(
    'two candidates racing for a %s Lease: one wins, the other gets a 409, reads again and follows',
    async (_, released) => {
      const s = setup();
      if (released) s.server.overwrite({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 3 });
      const a = s.replica('a');
      const b = s.replica('b');
      a.elector.start();
      b.elector.start();
      await s.clock.advance(100);

      expect([a, b].filter((r) => r.elector.isLeader)).toHaveLength(1);
      const conflict = s.server.ops.filter((o) => o.result === 'conflict');
      expect(conflict).toHaveLength(1);
      const loser = conflict[0]!.by;
      expect(s.server.ops.some((o) => o.by === loser && o.op === 'get' && o.t > conflict[0]!.t)).toBe(true);
      expect(s.server.lease!.record.leaseTransitions).toBe(released ? 4 : 0);

      await s.clock.advance(4 * LEASE_MS);
      expect(s.events.filter((e) => e.what === 'started')).toHaveLength(1);
      expect(s.overlaps).toEqual([]);
    },
  );

  it('a leader whose renewal meets a 409 (someone else wrote) reads the Lease again and renews', async () => {
    const s = setup();
    const { a } = await leaderAndFollower(s);
    const gets = () => s.server.ops.filter((o) => o.by === 'a' && o.op === 'get').length;
    const before = gets();
    s.server.touch();
    await s.clock.advance(RETRY_MS + 100);
    expect(s.server.conflicts()).toBe(1);
    expect(gets()).toBe(before + 1);
    expect(a.elector.isLeader).toBe(true);
    expect(s.server.writes('a').at(-1)!.t).toBeGreaterThan(s.clock.t - RETRY_MS - 100);
    expect(s.events.filter((e) => e.what === 'stopped')).toEqual([]);
  });

  it('a leader that finds another holder after a 409 stops at once', async () => {
    const s = setup();
    const { a } = await leaderAndFollower(s);
    const at = s.clock.t;
    s.server.overwrite({ holderIdentity: 'intruder', leaseDurationSeconds: 15, leaseTransitions: 1 });
    await s.clock.advance(RETRY_MS + 100);
    expect(a.elector.isLeader).toBe(false);
    expect(s.when('a', 'stopped') - at).toBeLessThanOrEqual(RETRY_MS + 50);
    expect(s.server.lease!.record.holderIdentity).toBe('intruder');
  });
});

describe('leaderTimings', () => {
  it("defaults to client-go's 15 s / 10 s / 2 s, and keeps the ratios for another lease duration", () => {
    expect(leaderTimings()).toEqual({
      leaseDurationSeconds: 15,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    });
    expect(leaderTimings({ leaseDurationSeconds: 4 })).toEqual({
      leaseDurationSeconds: 4,
      renewDeadlineMs: 2_666,
      retryPeriodMs: 533,
    });
  });

  it.each([
    [
      { leaseDurationSeconds: 10, renewDeadlineMs: 10_000 },
      /lease duration \(10000 ms\) must be longer than the renew deadline \(10000 ms\)/,
    ],
    [
      { renewDeadlineMs: 2_400, retryPeriodMs: 2_000 },
      /renew deadline \(2400 ms\) must be longer than 1.2 × the retry period \(2000 ms\)/,
    ],
    [{ leaseDurationSeconds: 1.5 }, /whole number of seconds, at least 1/],
    [{ leaseDurationSeconds: 0 }, /whole number of seconds, at least 1/],
    [{ retryPeriodMs: 0 }, /retry period must be positive/],
  ])('rejects %j', (timings, message) => {
    expect(() => leaderTimings(timings)).toThrow(message);
    const s = setup();
    expect(
      () =>
        new LeaderElector({
          lock: s.server.lock('a'),
          identity: 'a',
          log,
          onStartedLeading: () => undefined,
          onStoppedLeading: () => undefined,
          ...timings,
        }),
    ).toThrow(message);
  });
});

describe('leaderIdentity', () => {
  it('is the Pod name when the downward API sets POD_NAME', () => {
    expect(leaderIdentity({ POD_NAME: 'tagpilot-controller-7d9f-x2x' })).toBe('tagpilot-controller-7d9f-x2x');
  });

  it('is unique per process elsewhere', () => {
    const id = leaderIdentity({});
    expect(id).toMatch(new RegExp(`^${hostname()}-${process.pid}-[0-9a-f]{6}$`));
    expect(leaderIdentity({ POD_NAME: '' })).not.toBe(id);
  });
});
