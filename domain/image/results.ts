// Which check results mean the Image is not working: the operator's Ready condition turns False on them,
// and the controller sends one Failed alert when an Image enters them and one Recovered alert when it
// leaves them. One list, so Ready and the alerts always agree on what a failure is.
import type { ImageResult } from '../../crds/index.js';

export const FAILED_RESULTS: ReadonlySet<ImageResult> = new Set([
  'Error',
  'RegistryError',
  'PullSecretsError',
  'TagsError',
  'RuleError',
  'ActionError',
]);

export function isFailedResult(result: ImageResult | undefined): result is ImageResult {
  return result !== undefined && FAILED_RESULTS.has(result);
}
