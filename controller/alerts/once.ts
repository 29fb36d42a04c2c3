// The alert action as the controller runs it: decide, claim, deliver, record (see dedupe.ts for the
// protocol). The state store is an interface so the protocol is tested without a cluster; kube-store.ts
// implements it on the Image's annotations.
import type { AlertConfig } from '../../crds/index.js';
import { errorMessage } from '../../common/errors.js';
import {
  claim,
  complete,
  decide,
  formatAlertState,
  parseAlertState,
  updateKey,
  type Decision,
} from './dedupe.js';
import { deliverAlert, type ChannelOutcome, type DeliveryDeps } from './deliver.js';
import type { Notification } from './notification.js';

export interface StoredState {
  annotation: string | undefined;
  resourceVersion: string;
}

export interface AlertStateStore {
  read(): Promise<StoredState>;
  /** Writes the annotation if the object is still at `resourceVersion`; throws StateConflict otherwise. */
  write(annotation: string, resourceVersion: string): Promise<void>;
}

export class StateConflict extends Error {
  override name = 'StateConflict';
}

export type AlertOnceResult =
  /** Delivered (each channel's outcome inside; some may have failed). */
  | { status: 'delivered'; key: string; outcomes: ChannelOutcome[]; recorded: boolean }
  /** Not sent because the record says it was sent, is being sent, or may have been sent. */
  | { status: 'skipped'; key: string; decision: Exclude<Decision, { send: true }> }
  /** Not sent because the claim could not be written; sending anyway could duplicate later. Retry later. */
  | { status: 'not-sent'; key: string; reason: string };

export interface AlertOnceOptions extends DeliveryDeps {
  store: AlertStateStore;
  /** This controller instance: stable while the process lives, different after a restart. */
  holder: string;
  now?: () => Date;
  /** Bound on read-decide-write rounds lost to concurrent writers of the same Image. */
  maxConflicts?: number;
}

export async function sendAlertOnce(
  alertConfig: AlertConfig,
  notification: Notification,
  opts: AlertOnceOptions,
): Promise<AlertOnceResult> {
  const key = notification.id ?? updateKey(notification);
  const config = alertConfig.metadata.name ?? '';
  const now = opts.now ?? (() => new Date());
  const rounds = opts.maxConflicts ?? 5;

  // 1 + 2: decide and claim under optimistic concurrency.
  for (let round = 0; ; round++) {
    let stored: StoredState;
    try {
      stored = await opts.store.read();
    } catch (err) {
      return { status: 'not-sent', key, reason: `cannot read the alert record: ${errorMessage(err)}` };
    }
    const state = parseAlertState(stored.annotation);
    const decision = decide(state, key, config, opts.holder);
    if (!decision.send) return { status: 'skipped', key, decision };
    try {
      await opts.store.write(
        formatAlertState(claim(state, key, config, opts.holder, now())),
        stored.resourceVersion,
      );
      break;
    } catch (err) {
      if (err instanceof StateConflict && round + 1 < rounds) continue;
      return {
        status: 'not-sent',
        key,
        reason: `cannot record the alert before sending: ${errorMessage(err)}`,
      };
    }
  }

  // 3: deliver; never throws for a channel.
  const outcomes = await deliverAlert(alertConfig, { ...notification, id: key }, opts);
  const result = {
    sent: outcomes.filter((o) => o.ok).map((o) => o.channel),
    failed: outcomes.filter((o) => !o.ok).map((o) => o.channel),
  };

  // 4: record the result. Failing here leaves the claim, which blocks a resend: the safe side.
  for (let round = 0; round < rounds; round++) {
    try {
      const stored = await opts.store.read();
      const next = complete(parseAlertState(stored.annotation), key, config, opts.holder, now(), result);
      if (!next) return { status: 'delivered', key, outcomes, recorded: false };
      await opts.store.write(formatAlertState(next), stored.resourceVersion);
      return { status: 'delivered', key, outcomes, recorded: true };
    } catch (err) {
      if (!(err instanceof StateConflict)) {
        opts.logger?.warn(
          { alertConfig: config, err: errorMessage(err) },
          'alert sent but its record not updated',
        );
        break;
      }
    }
  }
  return { status: 'delivered', key, outcomes, recorded: false };
}
