// The manual trigger: `kubectl annotate image web tagpilot.dev/refresh=now` asks for one evaluation; the
// controller removes the annotation once it has acted on it. The name is part of the API (crds/).
import { REFRESH_ANNOTATION } from '../../crds/index.js';

export { REFRESH_ANNOTATION };

interface Annotated {
  metadata?: { annotations?: Record<string, string> | undefined } | undefined;
}

/** True when the Image carries the refresh annotation with any non-blank value. */
export function refreshRequested(image: Annotated): boolean {
  const value = image.metadata?.annotations?.[REFRESH_ANNOTATION];
  return value !== undefined && value.trim() !== '';
}

/**
 * JSON Patch that removes the annotation only if it still holds `seen`: a second `kubectl annotate
 * --overwrite` that lands while the first request is being handled makes the patch fail (HTTP 422) instead
 * of being swallowed, so the controller sees the new request on the next event.
 */
export function refreshRemovalPatch(seen: string): { op: 'test' | 'remove'; path: string; value?: string }[] {
  return annotationRemovalPatch(REFRESH_ANNOTATION, seen);
}

/** The same for any request annotation (refresh, approve, reject). */
export function annotationRemovalPatch(
  annotation: string,
  seen: string,
): { op: 'test' | 'remove'; path: string; value?: string }[] {
  const path = `/metadata/annotations/${annotation.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  return [
    { op: 'test', path, value: seen },
    { op: 'remove', path },
  ];
}
