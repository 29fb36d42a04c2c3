// Kubernetes Events on the Image for alert outcomes: one per channel, so `kubectl describe image` says
// which channel failed and why.
import type { CoreV1Event } from '@kubernetes/client-node';
import { clipMessage } from '../../crds/index.js';
import type { ChannelOutcome } from './deliver.js';
import type { Decision } from './dedupe.js';

export const EVENT_REASONS = {
  sent: 'AlertSent',
  failed: 'AlertFailed',
  skipped: 'AlertSkipped',
  unconfirmed: 'AlertUnconfirmed',
  notSent: 'AlertNotSent',
} as const;

export interface EventSpec {
  type: 'Normal' | 'Warning';
  reason: (typeof EVENT_REASONS)[keyof typeof EVENT_REASONS];
  message: string;
}

export function outcomeEvents(
  alertConfig: string,
  update: string,
  outcomes: readonly ChannelOutcome[],
): EventSpec[] {
  return outcomes.map((o) => ({
    type: o.ok ? 'Normal' : 'Warning',
    reason: o.ok ? EVENT_REASONS.sent : EVENT_REASONS.failed,
    message: clipMessage(`${o.channel} (AlertConfig ${alertConfig}, ${update}): ${o.message}`),
  }));
}

export function skipEvent(
  alertConfig: string,
  update: string,
  decision: Exclude<Decision, { send: true }>,
): EventSpec | undefined {
  switch (decision.reason) {
    case 'AlreadySent':
    case 'InProgress':
      // A repeated trigger is normal; saying so on every repeat would only add noise.
      return undefined;
    case 'Unconfirmed':
      return {
        type: 'Warning',
        reason: EVENT_REASONS.unconfirmed,
        message: clipMessage(
          `AlertConfig ${alertConfig}, ${update}: a previous controller instance (${decision.record.by}) started ` +
            `sending at ${decision.record.at} and stopped before recording the result; not resent to avoid a ` +
            `duplicate. Check the channels if the alert did not arrive.`,
        ),
      };
  }
}

/** A core/v1 Event about `image`; the caller creates it with CoreV1Api.createNamespacedEvent. */
export function imageEvent(
  image: {
    apiVersion?: string;
    kind?: string;
    metadata: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
  },
  spec: EventSpec,
  now: Date,
  component = 'tagpilot-controller',
): CoreV1Event {
  const name = image.metadata.name ?? 'image';
  return {
    metadata: { generateName: `${name}.`, namespace: image.metadata.namespace },
    involvedObject: {
      apiVersion: image.apiVersion ?? 'tagpilot.dev/v1alpha1',
      kind: image.kind ?? 'Image',
      name,
      namespace: image.metadata.namespace,
      uid: image.metadata.uid,
      resourceVersion: image.metadata.resourceVersion,
    },
    type: spec.type,
    reason: spec.reason,
    message: spec.message,
    source: { component },
    reportingComponent: component,
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  };
}
