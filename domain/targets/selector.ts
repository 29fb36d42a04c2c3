// Label selectors in kubectl -l syntax (`app=web,tier!=db`, `env in (prod,stage)`, `!legacy`), parsed
// once into a predicate. Kubernetes' own grammar, kept small: Image.spec.targets[].selector is the only
// user of it, and the Image validator reports a parse error on that field.

export type Labels = Readonly<Record<string, string>>;
export type LabelMatcher = (labels: Labels) => boolean;

export class SelectorError extends Error {}

// Qualified name: optional DNS prefix and '/', then up to 63 alphanumerics, '-', '_', '.'.
const KEY = '(?:[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?';
const VALUE = '(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?';
const EQUALITY = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*(${VALUE})$`);
const SET = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^()]*)\\)$`);
const EXISTS = new RegExp(`^(!?)\\s*(${KEY})$`);
const VALUE_ONLY = new RegExp(`^${VALUE}$`);

/** Splits on commas outside parentheses. */
function requirements(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (text[i] === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

function requirement(part: string): LabelMatcher {
  let m = EQUALITY.exec(part);
  if (m) {
    const [, key = '', op, value = ''] = m;
    return op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value;
  }
  m = SET.exec(part);
  if (m) {
    const [, key = '', op, list = ''] = m;
    const values = list.split(',').map((v) => v.trim());
    const bad = values.find((v) => !VALUE_ONLY.test(v));
    if (bad !== undefined) throw new SelectorError(`"${bad}" is not a label value in "${part}"`);
    const set = new Set(values);
    return op === 'in'
      ? (l) => l[key] !== undefined && set.has(l[key])
      : (l) => l[key] === undefined || !set.has(l[key]);
  }
  m = EXISTS.exec(part);
  if (m) {
    const [, not, key = ''] = m;
    return not ? (l) => l[key] === undefined : (l) => l[key] !== undefined;
  }
  throw new SelectorError(
    `"${part}" is not a label requirement; write key=value, key!=value, key in (a,b), key notin (a,b), key or !key`,
  );
}

/** A predicate over labels; throws SelectorError saying which requirement is wrong. */
export function parseLabelSelector(text: string): LabelMatcher {
  if (text.trim() === '') throw new SelectorError('is empty; an empty selector would match every workload');
  const matchers = requirements(text).map((part) => {
    if (part === '')
      throw new SelectorError(`"${text}" has an empty requirement (two commas or a trailing comma)`);
    return requirement(part);
  });
  return (labels) => matchers.every((m) => m(labels));
}
