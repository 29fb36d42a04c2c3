// What the status says while a tag waits for approval, and after it was rejected
// (docs/safe-updates.md#approvals). status.tag and status.digest stay what the cluster runs: the
// admission webhook pins them and apply writes them, so a tag that waits must not be there.
import { clipMessage, conditionTime, type Image, type ImagePending } from '../../crds/index.js';
import { answerHint } from '../../domain/approval/annotations.js';
import { addRejected } from '../../domain/health/rejected.js';
import type { Checked } from './check.js';
import type { CheckReport } from './status.js';

const ref = (image: Image) => ({
  namespace: image.metadata.namespace ?? 'default',
  name: image.metadata.name ?? '',
});

/** The digest of the tag the Image is at (not of the tag that waits). */
function currentDigest(image: Image, checked: Checked): string | undefined {
  return image.status?.tag === checked.current ? image.status.digest : undefined;
}

/** A tag waits: the check succeeded, UpToDate is False until a person answers. */
export function pendingReport(
  image: Image,
  checked: Checked,
  pending: ImagePending,
  nextCheckTime: Date | undefined,
): CheckReport {
  return {
    result: 'Success',
    message: clipMessage(
      `${pending.tag} waits for approval since ${pending.since} (rule "${pending.rule}"); the workloads stay on ${checked.current} until then: ${answerHint(ref(image), pending.tag)}`,
    ),
    tag: checked.current,
    digest: currentDigest(image, checked),
    upToDate: {
      status: 'False',
      reason: 'ApprovalPending',
      message: `${pending.tag} waits for approval; the workloads run ${checked.current}`,
    },
    pending,
    nextCheckTime,
  };
}

/** The tag that waited was rejected: never applied, and the rules skip it from now on. */
export function rejectedReport(image: Image, pending: ImagePending, who: string, now: Date): CheckReport {
  const s = image.status;
  const current = s?.tag ?? pending.previousTag ?? image.spec.baseTag ?? 'latest';
  return {
    result: 'Success',
    message: clipMessage(
      `${pending.tag} was rejected ${who}: it is not applied, and the rules skip it (status.rejected); the workloads stay on ${current}`,
    ),
    tag: s?.tag,
    digest: s?.digest,
    upToDate: {
      status: 'True',
      reason: 'Rejected',
      message: `${pending.tag} was rejected; the workloads run ${current}`,
    },
    nextCheckTime: s?.nextCheckTime ? new Date(s.nextCheckTime) : undefined,
    pending: null,
    rejected: addRejected(s?.rejected, {
      tag: pending.tag,
      ...(pending.digest ? { digest: pending.digest } : {}),
      reason: `rejected ${who}`.slice(0, 1024),
      time: conditionTime(now),
    }),
  };
}

/** A check found nothing newer while a tag waited (it vanished, or the rules changed): it waits no more. */
export function withdrawnReport(
  report: CheckReport,
  pending: ImagePending,
  current: string,
  reasons: readonly string[],
): CheckReport {
  return {
    ...report,
    message: clipMessage(`${pending.tag} no longer waits for approval: ${reasons.join('; ')}`),
    pending: null,
    upToDate:
      report.upToDate.reason === 'ApprovalPending'
        ? { status: 'True', reason: 'NoUpdate', message: `no newer tag than ${current}` }
        : report.upToDate,
  };
}
