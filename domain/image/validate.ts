// The one Image validator: the CRD schema and its CEL rules, then what they cannot express (cron
// expressions, update windows and time zones, regex compilation, semver ranges, image reference syntax, target label selectors). Admission and
// the operator's Ready condition call imageErrors; the controller and `tagpilot resolve` parse with the
// same domain functions it is built from, so what is admitted is what runs. Every error names the
// field, as the apiserver does.
import { validateImage, type FieldError, type Image } from '../../crds/index.js';
import { mergeFieldErrors, withoutStatus } from '../field-errors.js';
import { RuleError, validateRule, validateTagFilter } from '../rules/index.js';
import { validateTrigger } from '../schedule/trigger.js';
import { validateUpdateWindows } from '../schedule/window.js';
import { parseLabelSelector, SelectorError } from '../targets/selector.js';
import { parseImageReference } from './reference.js';

type Spec = Partial<Image['spec']> & Record<string, unknown>;

function ruleErrors(run: () => void): FieldError[] {
  try {
    run();
    return [];
  } catch (err) {
    if (err instanceof RuleError) return [{ field: err.field, message: err.detail }];
    throw err;
  }
}

/** Checks the schema cannot express; assumes the shape is right where it reads (the schema said so). */
function imageSemantics(spec: Spec): FieldError[] {
  const errors: FieldError[] = [];
  if (typeof spec.image === 'string') {
    try {
      const ref = parseImageReference(spec.image);
      if (ref.tag !== undefined || ref.digest !== undefined) {
        errors.push({
          field: 'spec.image',
          message:
            'must name the repository only, without tag or digest; put the starting tag in spec.baseTag',
        });
      }
    } catch (err) {
      errors.push({ field: 'spec.image', message: (err as Error).message });
    }
  }
  // The scheduler's own parser, so admission accepts exactly what the controller can schedule.
  (Array.isArray(spec.triggers) ? spec.triggers : []).forEach((t, i) => {
    if (t && typeof t.type === 'string') errors.push(...validateTrigger(t, i));
  });
  if (Array.isArray(spec.updateWindows)) {
    const windows = spec.updateWindows.filter(
      (w) => typeof w?.schedule === 'string' && typeof w.duration === 'string',
    );
    if (windows.length === spec.updateWindows.length) errors.push(...validateUpdateWindows(windows));
  }
  (Array.isArray(spec.rules) ? spec.rules : []).forEach((r, i) => {
    if (r && typeof r.type === 'string')
      errors.push(...ruleErrors(() => validateRule(r, `spec.rules[${i}]`)));
  });
  (Array.isArray(spec.targets) ? spec.targets : []).forEach((t, i) => {
    if (!t || typeof t.selector !== 'string') return;
    try {
      parseLabelSelector(t.selector);
    } catch (err) {
      if (!(err instanceof SelectorError)) throw err;
      errors.push({ field: `spec.targets[${i}].selector`, message: err.message });
    }
  });
  if (spec.tagFilter && typeof spec.tagFilter === 'object') {
    const filter = spec.tagFilter;
    errors.push(...ruleErrors(() => validateTagFilter(filter, 'spec.tagFilter')));
  }
  return errors;
}

/** Every problem of an Image's spec (and metadata), or [] when it is valid. */
export function imageErrors(obj: unknown): FieldError[] {
  const schema = validateImage(withoutStatus(obj));
  const spec = ((obj as { spec?: unknown } | null)?.spec ?? {}) as Spec;
  return mergeFieldErrors(schema.ok ? [] : schema.errors, imageSemantics(spec));
}
