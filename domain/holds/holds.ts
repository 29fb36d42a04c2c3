// Holds (docs/safe-updates.md, "Holds"): a workload container that someone rolled back by hand after
// Tagpilot moved it. Tagpilot then leaves that workload alone (no apply, no restart, no admission pin)
// until the hold is released. Pure: the controller reads the workloads and the Image, this decides.
//
// Detection: a container of the followed repository runs another reference than status.tag, and the
// image field is owned (managedFields) by a manager other than the controller, written at or after the
// last change Tagpilot recorded (status.history[0], in whole seconds as managedFields are). An Image that never changed anything has nothing to
// hold: a workload still on an older tag at adoption is not a rollback. The health gate's own rollback
// is written by the controller's field manager, so it is never taken for one.
//
// Release: the annotation tagpilot.dev/release on the Image (`Kind/name`, several comma-separated, or
// `all`), or a new decision by the rules (a tag other than the one rolled back: the user stepped away
// from a bad tag, a newer fix should flow again). A container that runs status.tag again (by anyone's
// hand) or a workload that is gone needs no hold either.
import type { ImageHold } from '../../crds/index.js';
import { newReference } from '../image/repository.js';
import type { ImageOwner } from './owner.js';

export const RELEASE_ANNOTATION = 'tagpilot.dev/release';
/**
 * The field manager of every controller write. Holds tell its writes from anyone else's; the admission
 * webhook leaves its workload updates as they are (the controller writes what it decided).
 */
export const CONTROLLER_FIELD_MANAGER = 'tagpilot-controller';
export const RELEASE_ALL = 'all';
export const HOLDS_LIMIT = 64;

export type HoldKind = ImageHold['kind'];

/** A container of the followed repository (and targeted), as the controller read it. */
export interface HeldCandidate {
  kind: HoldKind;
  name: string;
  container: string;
  init: boolean;
  image: string;
  owner?: ImageOwner;
}

export interface DetectInput {
  /** status.tag and, when the Image pins digests, status.digest: what the cluster should run. */
  tag: string | undefined;
  digest?: string;
  /** status.history[0].time: when Tagpilot last recorded a change. */
  changedAt: string | undefined;
  /** The field manager of the controller's own writes. */
  controllerManager: string;
  containers: readonly HeldCandidate[];
  holds: readonly ImageHold[] | undefined;
  /** When a hold is seen without an owner time. */
  now: string;
}

export interface HoldsUpdate {
  holds: ImageHold[];
  /** Holds that began in this evaluation. */
  added: ImageHold[];
  /** Holds that ended because the container runs status.tag again or is gone. */
  dropped: ImageHold[];
}

export const holdKey = (h: Pick<ImageHold, 'kind' | 'name' | 'container'> & { init?: boolean }) =>
  `${h.kind}/${h.name}/${h.init ? 'init:' : ''}${h.container}`;

/** `Kind/name` of a workload, as holds and the release annotation name it. */
export const workloadOf = (h: Pick<ImageHold, 'kind' | 'name'>) => `${h.kind}/${h.name}`;

/** Seconds precision: managedFields times have no fraction, history times may. */
function seconds(t: string | undefined): number {
  const ms = t === undefined ? NaN : Date.parse(t);
  return Number.isNaN(ms) ? NaN : Math.floor(ms / 1000);
}

/** The holds after looking at the workloads now (see the file comment). */
export function detectHolds(input: DetectInput): HoldsUpdate {
  const previous = new Map((input.holds ?? []).map((h) => [holdKey(h), h]));
  const holds: ImageHold[] = [];
  const added: ImageHold[] = [];
  const changedAt = seconds(input.changedAt);
  for (const c of input.containers) {
    const key = holdKey(c);
    if (input.tag === undefined) continue;
    if (c.image === newReference(c.image, input.tag, input.digest)) continue;
    const held = previous.get(key);
    if (held && held.reference === c.image) {
      holds.push(held);
      continue;
    }
    const owner = c.owner;
    if (!owner || owner.manager === input.controllerManager) continue;
    const written = seconds(owner.time);
    // Same second counts: the change is recorded after its apply, so a write in that second that is not
    // the controller's came after it (a quick undo), never before it.
    if (Number.isNaN(changedAt) || Number.isNaN(written) || written < changedAt) continue;
    const hold: ImageHold = {
      kind: c.kind,
      name: c.name,
      container: c.container,
      ...(c.init ? { init: true } : {}),
      reference: c.image,
      from: input.tag,
      by: owner.manager.slice(0, 128),
      since: owner.time ?? input.now,
    };
    holds.push(hold);
    if (!held) added.push(hold);
  }
  const kept = new Set(holds.map(holdKey));
  const dropped = (input.holds ?? []).filter((h) => !kept.has(holdKey(h)));
  return { holds: holds.slice(0, HOLDS_LIMIT), added, dropped };
}

export interface Released {
  hold: ImageHold;
  why: string;
}

/** Which workloads a release annotation value names (`all`, or `Kind/name` entries, comma-separated). */
export function releaseTargets(value: string | undefined): { all: boolean; workloads: Set<string> } {
  const parts = (value ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const all = parts.some((p) => p.toLowerCase() === RELEASE_ALL);
  // kubectl spells kinds in lower case (`deployment/web`): compare case-insensitively on the kind.
  const workloads = new Set(
    parts.map((p) => {
      const slash = p.indexOf('/');
      return slash === -1 ? p : `${p.slice(0, slash).toLowerCase()}/${p.slice(slash + 1)}`;
    }),
  );
  return { all, workloads };
}

/**
 * The holds that end now: those the release annotation names, or all of them when the rules decided a
 * change (`decided`): a hold always rolled back status.tag, and a decision is always another tag (or
 * another digest behind it), the fix the user waited for.
 */
export function releaseHolds(
  holds: readonly ImageHold[] | undefined,
  release: { annotation?: string; decided?: { tag: string; digest?: string } },
): { kept: ImageHold[]; released: Released[] } {
  const targets = releaseTargets(release.annotation);
  const kept: ImageHold[] = [];
  const released: Released[] = [];
  for (const hold of holds ?? []) {
    const named = `${hold.kind.toLowerCase()}/${hold.name}`;
    if (targets.all || targets.workloads.has(named)) {
      released.push({ hold, why: `released by the annotation ${RELEASE_ANNOTATION}=${release.annotation}` });
    } else if (release.decided) {
      const picked = release.decided.digest
        ? `${release.decided.tag}@${release.decided.digest}`
        : release.decided.tag;
      released.push({
        hold,
        why: `the rules picked ${picked}, newer than ${hold.from ?? 'the tag'} that was rolled back`,
      });
    } else kept.push(hold);
  }
  return { kept, released };
}

/** The workloads (`Kind/name`) held for an Image: apply, restart and the webhook skip them. */
export function heldWorkloads(holds: readonly ImageHold[] | undefined): Set<string> {
  return new Set((holds ?? []).map(workloadOf));
}
