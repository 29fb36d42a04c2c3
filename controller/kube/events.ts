// Kubernetes Events on Images and workloads (`kubectl describe` shows them). Best effort: a failed Event
// is logged and never fails an evaluation. core/v1 Events rather than events.k8s.io/v1: kubectl describe
// reads both, and core/v1 lets one RBAC rule (create on events) cover every namespace and kind. Written
// through the thin JSON path (common/kube-json.ts): several per updated Image, and the echo is not read.
import { randomBytes } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeJson } from '../../common/kube-json.js';
import type { Logger } from '../../common/logger.js';
import { IMAGE, clipMessage, type Image } from '../../crds/index.js';
import { kubeMessage } from './errors.js';

export const COMPONENT = 'tagpilot-controller';

export interface EventTarget {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export type EventType = 'Normal' | 'Warning';

/** Drawn once: with the counter it keeps names apart across replicas and restarts within one clock tick. */
const PROCESS_PART = randomBytes(4).toString('hex');
let eventCounter = 0;
const MAX_NAME = 253;

/**
 * An Event's name: the object's name and a hex suffix, like client-go's `name.%x` of the time in
 * nanoseconds, here the time (16 hex digits), a part drawn once per process (8) and a counter, so two
 * Events of one object in the same millisecond never collide without drawing random bytes per Event
 * (several per updated Image). The object name is clipped so the whole stays a DNS subdomain name of at
 * most 253 characters.
 */
export function eventName(objectName: string | undefined, nowMs = Date.now()): string {
  const nanos = (BigInt(nowMs) * 1_000_000n).toString(16).padStart(16, '0');
  const suffix = `.${nanos}${PROCESS_PART}${(eventCounter++).toString(16)}`;
  // A clipped name must still end in an alphanumeric before the dot.
  const name = (objectName || 'object').slice(0, MAX_NAME - suffix.length).replace(/[^a-z0-9]+$/, '');
  return `${name || 'object'}${suffix}`;
}

/** An Image as the object an Event is about. */
export const imageTarget = (image: Pick<Image, 'metadata'>): EventTarget => ({
  apiVersion: IMAGE.apiVersion,
  kind: IMAGE.kind,
  metadata: image.metadata,
});

export interface EventRecorder {
  record(target: EventTarget, type: EventType, reason: string, message: string): Promise<void>;
}

export class KubeEventRecorder implements EventRecorder {
  private readonly json: KubeJson;

  constructor(
    kubeConfig: KubeConfig,
    private readonly log: Logger,
    /** reportingInstance: which replica wrote it. */
    private readonly instance: string,
    private readonly onRecorded?: (ok: boolean) => void,
  ) {
    this.json = new KubeJson(kubeConfig);
  }

  async record(target: EventTarget, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = target.metadata.namespace ?? 'default';
    const now = new Date().toISOString();
    const text = clipMessage(message);
    try {
      await this.json.send({
        method: 'POST',
        path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`,
        contentType: 'application/json',
        discardResponse: true,
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: {
            name: eventName(target.metadata.name),
            namespace,
          },
          involvedObject: {
            apiVersion: target.apiVersion,
            kind: target.kind,
            name: target.metadata.name,
            namespace,
            uid: target.metadata.uid,
            resourceVersion: target.metadata.resourceVersion,
          },
          type,
          reason,
          message: text,
          count: 1,
          firstTimestamp: now,
          lastTimestamp: now,
          source: { component: COMPONENT },
          reportingComponent: COMPONENT,
          reportingInstance: this.instance,
          action: reason,
        },
      });
      this.onRecorded?.(true);
    } catch (err) {
      this.onRecorded?.(false);
      this.log.warn(
        { kind: target.kind, namespace, name: target.metadata.name, reason, err: kubeMessage(err) },
        'could not record an Event',
      );
    }
  }
}

/** --dry-run: Events are logged, not written. */
export class LoggingEventRecorder implements EventRecorder {
  constructor(private readonly log: Logger) {}
  async record(target: EventTarget, type: EventType, reason: string, message: string): Promise<void> {
    this.log.info(
      {
        dryRun: true,
        kind: target.kind,
        namespace: target.metadata.namespace,
        name: target.metadata.name,
        type,
        reason,
      },
      `would record Event: ${message}`,
    );
  }
}
