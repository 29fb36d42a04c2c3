// Bad rule input (unknown type, invalid regex or range, unusable current tag, missing value) is the user's
// to fix, so it gets its own error type: the controller turns it into `result: RuleError` with this message,
// the validating webhook into a rejection, the CLI into exit code 2.

export class RuleError extends Error {
  override readonly name = 'RuleError';
  /** Path of the offending field, e.g. `spec.rules[0].value` or `tagFilter.exclude[1]`. */
  readonly field: string;
  /** The message without the field prefix. */
  readonly detail: string;

  constructor(field: string, detail: string) {
    super(`${field}: ${detail}`);
    this.field = field;
    this.detail = detail;
  }
}
