// Kubernetes Events on Images and workloads (`kubectl describe` shows them). Best effort: a failed Event
// is logged and never fails an evaluation. core/v1 Events rather than events.k8s.io/v1: kubectl describe
// reads both, and core/v1 lets one RBAC rule (create on events) cover every namespace and kind. Written
// through the thin JSON path (common/kube-json.ts): several per updated Image, and the echo is not read.
//
// Recording does not wait for the write, as client-go's recorder does not: an Event is built (name and
// time taken when it happens) and queued, and a few writers send the queue in order. An update of 1,000
// Images records 4,000 Events; awaited, each added an apiserver round trip to the evaluation that made it,
// and the evaluations of a tick waited on writes nobody reads back. The queue is bounded: when the
// apiserver cannot keep up, new Events are dropped (counted and logged) rather than held in memory.
//
// One promise is kept: an evaluation runs in an Event scope (withEventScope), and its status write waits
// for the Events recorded in that scope (scopeEventsWritten). Status is what users and alerting watch, so
// when it shows an outcome, `kubectl describe` already shows that outcome's Events; the evaluation only
// no longer waits for each Event before its next step.
import { AsyncLocalStorage } from 'node:async_hooks';
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
  /** Records an Event; resolves once it is queued or written (never rejects). */
  record(target: EventTarget, type: EventType, reason: string, message: string): Promise<void>;
  /** Resolves when every Event recorded so far was written or given up on, or after `timeoutMs`. */
  flush?(timeoutMs?: number): Promise<void>;
}

/** Events waiting to be written at most (client-go's broadcaster queue holds 1,000 as well). */
export const MAX_QUEUED_EVENTS = 1_000;
/** Events written at once: enough to keep up with an update tick, few enough to leave the apiserver to the evaluations. */
export const EVENTS_IN_FLIGHT = 4;
/** How often a run of dropped Events is logged at most. */
const DROP_LOG_INTERVAL_MS = 10_000;

export type EventOutcome = 'ok' | 'failed' | 'dropped';

/** The Event writes an evaluation started and that have not finished. */
interface EventScope {
  unwritten: Set<Promise<void>>;
}

const scopes = new AsyncLocalStorage<EventScope>();

/** Runs `fn` (an evaluation) in a new Event scope: see scopeEventsWritten. */
export function withEventScope<T>(fn: () => Promise<T>): Promise<T> {
  return scopes.run({ unwritten: new Set() }, fn);
}

/** How long a status write waits for its evaluation's Events at most: they are best effort. */
export const SCOPE_EVENTS_WAIT_MS = 5_000;

/**
 * Resolves once every Event recorded so far in the current Event scope was written, dropped or refused,
 * or after `timeoutMs`; at once outside a scope.
 */
export async function scopeEventsWritten(timeoutMs = SCOPE_EVENTS_WAIT_MS): Promise<void> {
  const scope = scopes.getStore();
  if (!scope || scope.unwritten.size === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(scope.unwritten),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref?.();
    }),
  ]);
  clearTimeout(timer);
}

interface QueuedEvent {
  /** Settles the recording scope's promise for this Event. */
  done?: () => void;
  namespace: string;
  kind: string;
  name: string | undefined;
  reason: string;
  body: unknown;
}

export class KubeEventRecorder implements EventRecorder {
  private readonly json: KubeJson;
  private readonly queue: QueuedEvent[] = [];
  /** Index of the next Event to send (the queue is compacted when it empties). */
  private head = 0;
  private inFlight = 0;
  private dropped = 0;
  private lastDropLog = 0;
  private readonly drained: (() => void)[] = [];

  constructor(
    kubeConfig: KubeConfig,
    private readonly log: Logger,
    /** reportingInstance: which replica wrote it. */
    private readonly instance: string,
    private readonly hooks: {
      /** Each Event's outcome. */
      recorded?: (outcome: EventOutcome) => void;
      /** Events queued or being written, after each change. */
      pending?: (count: number) => void;
    } = {},
    private readonly limits = { queued: MAX_QUEUED_EVENTS, inFlight: EVENTS_IN_FLIGHT },
  ) {
    this.json = new KubeJson(kubeConfig);
  }

  /** Events queued or being written. */
  get pending(): number {
    return this.queue.length - this.head + this.inFlight;
  }

  record(target: EventTarget, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = target.metadata.namespace ?? 'default';
    if (this.queue.length - this.head >= this.limits.queued) {
      this.drop(target, namespace, reason);
      return Promise.resolve();
    }
    const now = new Date().toISOString();
    let done: (() => void) | undefined;
    const scope = scopes.getStore();
    if (scope) {
      const written = new Promise<void>((resolve) => (done = resolve));
      scope.unwritten.add(written);
      void written.then(() => scope.unwritten.delete(written));
    }
    this.queue.push({
      done,
      namespace,
      kind: target.kind,
      name: target.metadata.name,
      reason,
      body: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: eventName(target.metadata.name), namespace },
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
        message: clipMessage(message),
        count: 1,
        firstTimestamp: now,
        lastTimestamp: now,
        source: { component: COMPONENT },
        reportingComponent: COMPONENT,
        reportingInstance: this.instance,
        action: reason,
      },
    });
    this.pump();
    this.hooks.pending?.(this.pending);
    return Promise.resolve();
  }

  async flush(timeoutMs = 10_000): Promise<void> {
    if (this.pending === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.drained.push(resolve)),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref?.();
      }),
    ]);
    clearTimeout(timer);
  }

  private pump(): void {
    while (this.inFlight < this.limits.inFlight && this.head < this.queue.length) {
      const next = this.queue[this.head]!;
      this.queue[this.head++] = undefined as unknown as QueuedEvent;
      if (this.head === this.queue.length) {
        this.queue.length = 0;
        this.head = 0;
      }
      this.inFlight++;
      void this.send(next).finally(() => {
        next.done?.();
        this.inFlight--;
        this.pump();
        this.hooks.pending?.(this.pending);
        if (this.pending === 0) for (const done of this.drained.splice(0)) done();
      });
    }
  }

  private async send(e: QueuedEvent): Promise<void> {
    try {
      await this.json.send({
        method: 'POST',
        path: `/api/v1/namespaces/${encodeURIComponent(e.namespace)}/events`,
        contentType: 'application/json',
        discardResponse: true,
        body: e.body,
      });
      this.hooks.recorded?.('ok');
    } catch (err) {
      this.hooks.recorded?.('failed');
      this.log.warn(
        { kind: e.kind, namespace: e.namespace, name: e.name, reason: e.reason, err: kubeMessage(err) },
        'could not record an Event',
      );
    }
  }

  private drop(target: EventTarget, namespace: string, reason: string): void {
    this.hooks.recorded?.('dropped');
    this.dropped++;
    const t = Date.now();
    if (t - this.lastDropLog < DROP_LOG_INTERVAL_MS) return;
    this.lastDropLog = t;
    this.log.warn(
      {
        kind: target.kind,
        namespace,
        name: target.metadata.name,
        reason,
        dropped: this.dropped,
        queued: this.limits.queued,
      },
      'too many Events waiting for the apiserver; dropping new ones until it catches up (tagpilot_controller_events_total{outcome="dropped"})',
    );
    this.dropped = 0;
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
