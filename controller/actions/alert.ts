// The `alert` action: hands the change to the alert sender (controller/alerts). Without one, the action
// fails loudly (an Event and ActionError) rather than pretending an alert went out.
import { errorMessage } from '../../common/errors.js';
import { imageTarget } from '../kube/events.js';
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

/**
 * Sends one alert about `change` through each AlertConfig that `actions` name (once per AlertConfig, in
 * order), outside of a rule's run: the rollback alert and the failure/recovery alerts. Each outcome is
 * an Event on the Image (the sender writes its own; the others are written here). Never throws for a
 * failed alert: it is reported, and what triggered it stands.
 */
export async function alertThrough(
  actions: readonly ImageAction[],
  change: Change,
  deps: ActionDeps,
): Promise<ActionResult[]> {
  const seen = new Set<string>();
  const results: ActionResult[] = [];
  for (const action of actions) {
    const name = action.type === 'alert' ? action.alertConfigRef?.name : undefined;
    if (name === undefined || seen.has(name)) continue;
    seen.add(name);
    const result = await alertAction(action, change, deps);
    if (!result.eventsRecorded) {
      await deps.events.record(
        imageTarget(change.image),
        result.ok ? 'Normal' : 'Warning',
        result.ok ? 'AlertSent' : 'AlertNotSent',
        result.summary,
      );
    }
    results.push(result);
  }
  return results;
}
