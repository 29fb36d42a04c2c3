// The claim/deliver/record protocol with an in-memory store that behaves like the apiserver
// (resourceVersion preconditions) and a real HTTP peer that counts messages.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertConfig } from '../../crds/index.js';
import { startHttpPeer, type HttpPeer } from '../../test/integration/alerts/peers.js';
import { parseAlertState, updateKey } from './dedupe.js';
import type { Notification } from './notification.js';
import { sendAlertOnce, StateConflict, type AlertStateStore, type StoredState } from './once.js';

class MemoryStore implements AlertStateStore {
  annotation: string | undefined;
  rv = 1;
  writes = 0;
  failWrites = false;
  /** Runs just before a write is checked: lets a test change the object in between (a racing writer). */
  beforeWrite?: () => void;

  async read(): Promise<StoredState> {
    return { annotation: this.annotation, resourceVersion: String(this.rv) };
  }
  async write(annotation: string, resourceVersion: string): Promise<void> {
    this.beforeWrite?.();
    if (this.failWrites) throw new Error('apiserver unavailable');
    if (resourceVersion !== String(this.rv)) throw new StateConflict('changed');
    this.annotation = annotation;
    this.rv++;
    this.writes++;
  }
}

const notification: Notification = {
  namespace: 'prod',
  name: 'web',
  image: 'ghcr.io/acme/web',
  previousTag: 'v1.4.0',
  newTag: 'v1.5.0',
  digest: 'sha256:' + 'c'.repeat(64),
  rule: 'minor',
  time: '2026-03-01T10:00:00Z',
};

let peer: HttpPeer;
let ac: AlertConfig;
beforeEach(async () => {
  peer = await startHttpPeer();
  ac = {
    apiVersion: 'tagpilot.dev/v1alpha1',
    kind: 'AlertConfig',
    metadata: { name: 'team', namespace: 'prod' },
    spec: { slack: { webhookURL: { value: peer.url('/hook') } } },
  };
});
afterEach(async () => {
  await peer.close();
});

const opts = (store: AlertStateStore, holder: string) => ({
  store,
  holder,
  now: () => new Date('2026-03-01T10:00:01Z'),
  retry: { attempts: 1 },
  sleep: async () => undefined,
});

describe('sendAlertOnce', () => {
  it('sends once and records Done with the channel results', async () => {
    const store = new MemoryStore();
    const r = await sendAlertOnce(ac, notification, opts(store, 'ctrl-a'));
    expect(r.status).toBe('delivered');
    expect(peer.requests).toHaveLength(1);
    const state = parseAlertState(store.annotation);
    expect(state?.update).toBe(updateKey(notification));
    expect(state?.configs.team).toEqual({
      state: 'Done',
      by: 'ctrl-a',
      at: '2026-03-01T10:00:01.000Z',
      sent: ['slack'],
      failed: [],
    });
    expect(store.writes).toBe(2); // claim, then result
  });

  it('does not resend when the trigger repeats or the controller restarts after the update', async () => {
    const store = new MemoryStore();
    await sendAlertOnce(ac, notification, opts(store, 'ctrl-a'));
    const repeat = await sendAlertOnce(ac, notification, opts(store, 'ctrl-a'));
    const restarted = await sendAlertOnce(ac, notification, opts(store, 'ctrl-b'));
    expect(repeat).toMatchObject({ status: 'skipped', decision: { reason: 'AlreadySent' } });
    expect(restarted).toMatchObject({ status: 'skipped', decision: { reason: 'AlreadySent' } });
    expect(peer.requests).toHaveLength(1);
  });

  it('does not resend after a crash between claim and result, and reports it as unconfirmed', async () => {
    const store = new MemoryStore();
    // ctrl-a claims, then "dies": its result write never happens.
    let writes = 0;
    store.beforeWrite = () => {
      if (++writes === 2) throw new Error('process killed');
    };
    await sendAlertOnce(ac, notification, opts(store, 'ctrl-a'));
    store.beforeWrite = undefined;
    expect(parseAlertState(store.annotation)?.configs.team?.state).toBe('Claimed');

    const after = await sendAlertOnce(ac, notification, opts(store, 'ctrl-b'));
    expect(after).toMatchObject({
      status: 'skipped',
      decision: { reason: 'Unconfirmed', record: { by: 'ctrl-a' } },
    });
    expect(peer.requests).toHaveLength(1);
  });

  it('sends again for a new update (new tag or new digest)', async () => {
    const store = new MemoryStore();
    await sendAlertOnce(ac, notification, opts(store, 'ctrl-a'));
    const next = await sendAlertOnce(
      ac,
      { ...notification, previousTag: 'v1.5.0', newTag: 'v1.6.0' },
      opts(store, 'ctrl-a'),
    );
    const redigest = await sendAlertOnce(
      ac,
      { ...notification, previousTag: 'v1.5.0', newTag: 'v1.6.0', digest: 'sha256:' + 'd'.repeat(64) },
      opts(store, 'ctrl-a'),
    );
    expect(next.status).toBe('delivered');
    expect(redigest.status).toBe('delivered');
    expect(peer.requests).toHaveLength(3);
  });

  it('lets exactly one of two racing senders deliver', async () => {
    const store = new MemoryStore();
    const [a, b] = await Promise.all([
      sendAlertOnce(ac, notification, opts(store, 'ctrl-a')),
      sendAlertOnce(ac, notification, opts(store, 'ctrl-a')),
    ]);
    expect([a.status, b.status].sort()).toEqual(['delivered', 'skipped']);
    expect(peer.requests).toHaveLength(1);
  });

  it('re-reads and decides again after a conflicting write', async () => {
    const store = new MemoryStore();
    let raced = false;
    store.beforeWrite = () => {
      if (!raced) {
        raced = true;
        store.rv++; // someone else (e.g. the status writer) changed the Image meanwhile
      }
    };
    const r = await sendAlertOnce(ac, notification, opts(store, 'ctrl-a'));
    expect(r.status).toBe('delivered');
    expect(peer.requests).toHaveLength(1);
  });

  it('does not send when the claim cannot be written, so a retry later cannot duplicate it', async () => {
    const store = new MemoryStore();
    store.failWrites = true;
    const r = await sendAlertOnce(ac, notification, opts(store, 'ctrl-a'));
    expect(r).toMatchObject({
      status: 'not-sent',
      reason: 'cannot record the alert before sending: apiserver unavailable',
    });
    expect(peer.requests).toHaveLength(0);
  });

  it('records failed channels as Done too: a failed alert is reported, not resent on every trigger', async () => {
    peer.fallback = { status: 500 };
    const store = new MemoryStore();
    const r = await sendAlertOnce(ac, notification, opts(store, 'ctrl-a'));
    expect(r.status === 'delivered' && r.outcomes[0]?.ok).toBe(false);
    expect(parseAlertState(store.annotation)?.configs.team).toMatchObject({
      state: 'Done',
      sent: [],
      failed: ['slack'],
    });
  });
});
