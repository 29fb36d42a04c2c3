// The `alert` action: hands the change to the alert sender (controller/alerts). Without one, the action
// fails loudly (an Event and ActionError) rather than pretending an alert went out.
import { errorMessage } from '../../common/errors.js';
import type { ImageAction } from '../../crds/index.js';
import { ActionFailure, type ActionDeps, type ActionResult, type Change } from './types.js';

export async function alertAction(
  action: ImageAction,
  change: Change,
  deps: ActionDeps,
): Promise<ActionResult> {
  const target = action.alertConfigRef?.name;
  if (!target) {
    return {
      ok: false,
      retriable: false,
      summary: 'alert: the action has no alertConfigRef.name; name an AlertConfig in the same namespace',
    };
  }
  if (!deps.alert) {
    return {
      ok: false,
      retriable: false,
      summary: `alert: not sent through AlertConfig ${target}: alert delivery is not available in this controller build`,
    };
  }
  if (deps.dryRun) {
    return { ok: true, retriable: false, summary: `alert: would send through AlertConfig ${target}` };
  }
  try {
    const { summary, eventsRecorded } = await deps.alert({ image: change.image, action, change });
    return {
      ok: true,
      retriable: false,
      summary: `alert: ${summary}`,
      eventsRecorded: eventsRecorded ?? false,
    };
  } catch (err) {
    return {
      ok: false,
      eventsRecorded: false,
      retriable: err instanceof ActionFailure ? err.retriable : true,
      summary: `alert: not sent through AlertConfig ${target}: ${errorMessage(err)}`,
    };
  }
}
