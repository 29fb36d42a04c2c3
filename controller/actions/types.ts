// What every action gets and reports.
import type { Image, ImageAction } from '../../crds/index.js';
import type { AlertEvent } from '../../domain/alerts/events.js';
import type { PodTruth } from '../../domain/pods/truth.js';
import type { Logger } from '../../common/logger.js';
import type { EventRecorder } from '../kube/events.js';
import type { Workload, WorkloadClient, WorkloadKind } from '../kube/workloads.js';

/** The change the actions carry out. */
export interface Change {
  image: Image;
  /** `domain/repository` of spec.image. */
  repository: string;
  previousTag: string | undefined;
  tag: string;
  /** Digest of `tag` when known. */
  digest: string | undefined;
  /** Write `tag@digest` into workloads (the digest rule). */
  pinDigest: boolean;
  rule: string;
  time: Date;
  /** Tags the registry listed, for alert templates. */
  availableTags: readonly string[];
  /** What an alert about this change reports; an update when absent. */
  event?: AlertEvent;
  /**
   * The running Pods compared with `digest` per node platform, when they were: restart then rolls only
   * workloads that run a stale digest (or whose Pods cannot be compared yet).
   */
  pods?: PodTruth;
  /** Why, for events other than an update (the {{ .reason }} of the alert templates). */
  reason?: string;
  /** Which occurrence of the event when tags do not tell it apart (a failure episode). */
  episode?: string;
  /** Workloads (`Kind/name`) held after a hand rollback (status.holds): apply and restart skip them. */
  held?: ReadonlySet<string>;
  /** Only these workloads (`Kind/name`), e.g. the ones a released hold gives back. */
  only?: ReadonlySet<string>;
}

export interface AlertRequest {
  image: Image;
  action: ImageAction;
  change: Change;
}

/**
 * Sends the alert of an `alert` action; the controller wires controller/alerts in here. Throws
 * ActionFailure when nothing was sent; `eventsRecorded` says it wrote its own Events on the Image.
 */
export type AlertSender = (req: AlertRequest) => Promise<{ summary: string; eventsRecorded?: boolean }>;

export interface ActionDeps {
  workloads: WorkloadClient;
  events: EventRecorder;
  log: Logger;
  dryRun: boolean;
  alert?: AlertSender;
}

/** Shared by the actions of one run: the workloads are read once, and restart skips what apply just rolled. */
export interface RunState {
  /** The workloads of the namespace that name change.repository (WorkloadClient.listUsing). */
  users?: Workload[];
  /** `Kind/name` of workloads whose template apply changed in this run. */
  patched: Set<string>;
  /** What apply changed, container by container: the health gate follows and may revert exactly this. */
  applied: AppliedWorkload[];
  /** `Kind/name` of workloads left alone because they are held (Change.held). */
  held?: Set<string>;
}

export interface AppliedWorkload {
  kind: WorkloadKind;
  name: string;
  containers: { name: string; init: boolean; from: string; to: string }[];
}

export interface ActionResult {
  ok: boolean;
  /** One line for the Image's message and Event, e.g. `apply: patched Deployment/web (container web)`. */
  summary: string;
  /** Whether running the action again later may succeed without anyone changing anything. */
  retriable: boolean;
  /** The action wrote its own Events on the Image (the alert sender does, one per channel). */
  eventsRecorded?: boolean;
}

export class ActionFailure extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
  ) {
    super(message);
    this.name = 'ActionFailure';
  }
}
