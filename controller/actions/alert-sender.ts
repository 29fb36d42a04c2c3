// The alert action's sender, on top of controller/alerts: read the AlertConfig the action names, send
// through it at most once per update (the record on the Image makes a repeated trigger, a retry or a
// restarted controller skip what was sent), and record one Event per channel on the Image.
// A channel that fails does not turn the update into an error (the update happened; the Events say
// which channel failed); an alert that could not even be claimed is retried.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../../common/logger.js';
import { ALERT_CONFIG, type AlertConfig } from '../../crds/index.js';
import {
  EVENT_REASONS,
  imageAlertStateStore,
  kubeValueReader,
  outcomeEvents,
  sendAlertOnce,
  skipEvent,
  type EventSpec,
  type Notification,
} from '../alerts/index.js';
import { imageTarget, type EventRecorder } from '../kube/events.js';
import { isNotFound, isTransientKubeError, kubeMessage } from '../kube/errors.js';
import { ActionFailure, type AlertSender } from './types.js';
import { DEFAULT_ALERT_EVENT, wantsEvent } from '../../domain/alerts/events.js';

/** What the Events of an alert name: the move for updates, the event and tag otherwise. */
function alertSubject(n: Notification): string {
  const move = `${n.previousTag ?? '(none)'} → ${n.newTag}`;
  const event = n.event ?? DEFAULT_ALERT_EVENT;
  if (event === DEFAULT_ALERT_EVENT) return move;
  return event === 'RolledBack' || event === 'ApprovalPending'
    ? `${event} ${move}`
    : `${event} at ${n.newTag}`;
}

export interface AlertSenderOptions {
  kubeConfig: KubeConfig;
  events: EventRecorder;
  log: Logger;
  /** This process in the alert record; must differ after a restart. */
  holder?: string;
}

export function createAlertSender(opts: AlertSenderOptions): AlertSender {
  const custom = opts.kubeConfig.makeApiClient(CustomObjectsApi);
  const core = opts.kubeConfig.makeApiClient(CoreV1Api);
  const holder = opts.holder ?? `${process.env.POD_NAME ?? hostname()}/${randomUUID().slice(0, 8)}`;

  return async ({ image, action, change }) => {
    const namespace = image.metadata.namespace ?? 'default';
    const imageName = image.metadata.name ?? '';
    const configName = action.alertConfigRef?.name ?? '';
    let alertConfig: AlertConfig;
    try {
      alertConfig = (await custom.getNamespacedCustomObject({
        group: ALERT_CONFIG.group,
        version: ALERT_CONFIG.version,
        plural: ALERT_CONFIG.plural,
        namespace,
        name: configName,
      })) as AlertConfig;
    } catch (err) {
      if (isNotFound(err)) {
        throw new ActionFailure(
          `AlertConfig "${configName}" does not exist in namespace ${namespace}; create it or fix alertConfigRef`,
          false,
        );
      }
      throw new ActionFailure(
        `cannot read AlertConfig "${configName}": ${kubeMessage(err)}`,
        isTransientKubeError(err),
      );
    }
    if (!wantsEvent(alertConfig.spec, change.event)) {
      // Configuration, not news: no Event, just the action's summary.
      return {
        eventsRecorded: true,
        summary: `not sent through AlertConfig ${configName}: its spec.events does not list ${change.event ?? DEFAULT_ALERT_EVENT}`,
      };
    }
    const notification: Notification = {
      namespace,
      name: imageName,
      image: image.spec.image,
      ...(change.previousTag !== undefined && change.previousTag !== change.tag
        ? { previousTag: change.previousTag }
        : {}),
      newTag: change.tag,
      ...(change.digest ? { digest: change.digest } : {}),
      rule: change.rule,
      time: change.time,
      availableTags: change.availableTags,
      ...(change.event ? { event: change.event } : {}),
      ...(change.reason ? { reason: change.reason } : {}),
      ...(change.episode ? { episode: change.episode } : {}),
    };
    const result = await sendAlertOnce(alertConfig, notification, {
      store: imageAlertStateStore(custom, namespace, imageName),
      holder,
      reader: kubeValueReader(core),
      logger: opts.log,
    });
    const update = alertSubject(notification);
    const target = imageTarget(image);
    const record = (events: (EventSpec | undefined)[]) =>
      Promise.all(
        events
          .filter((e): e is EventSpec => e !== undefined)
          .map((e) => opts.events.record(target, e.type, e.reason, e.message)),
      );

    switch (result.status) {
      case 'delivered': {
        await record(outcomeEvents(configName, update, result.outcomes));
        const sent = result.outcomes.filter((o) => o.ok).map((o) => o.channel);
        const failed = result.outcomes
          .filter((o) => !o.ok)
          .map((o) => `${o.channel} (${o.error ?? 'failed'})`);
        return {
          eventsRecorded: true,
          summary:
            `sent through AlertConfig ${configName}` +
            (sent.length ? ` to ${sent.join(', ')}` : '') +
            (failed.length ? `; FAILED for ${failed.join(', ')} (see the Image's Events)` : ''),
        };
      }
      case 'skipped':
        await record([skipEvent(configName, update, result.decision)]);
        return {
          eventsRecorded: true,
          summary: `not sent again through AlertConfig ${configName} (${result.decision.reason})`,
        };
      case 'not-sent':
        await record([
          {
            type: 'Warning',
            reason: EVENT_REASONS.notSent,
            message: `AlertConfig ${configName}, ${update}: ${result.reason}`,
          },
        ]);
        throw new ActionFailure(result.reason, true);
    }
  };
}
