// Alert templates use a tiny subset of Go's text/template syntax, because Kubernetes users (and users
// of kimup, Flux, Argo, Helm) already write `{{ .newTag }}`. The subset has no functions, pipelines,
// conditionals or method calls: a template can only print the fixed variables below, so a template
// from an AlertConfig can never execute code, loop, or read anything else.
//
//   {{ .newTag }}        a variable (names are case-sensitive; unknown names are errors)
//   {{ "{{" }}           a string literal, e.g. to print a literal "{{"
//   {{- .newTag -}}      trim markers: drop the white space before / after the action, as in Go
//   {{/* comment */}}    a comment, prints nothing

export const TEMPLATE_VARIABLES = [
  'namespace',
  'name',
  'image',
  'previousTag',
  'newTag',
  'digest',
  'rule',
  'time',
  'availableTags',
  'event',
  'reason',
] as const;

export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];
export type TemplateValues = Record<TemplateVariable, string>;

export type TemplateNode = { kind: 'text'; value: string } | { kind: 'var'; name: TemplateVariable };

export interface TemplateError {
  message: string;
  /** 1-based position of the offending action in the template. */
  line: number;
  column: number;
}

export type ParseResult = { ok: true; nodes: TemplateNode[] } | { ok: false; error: TemplateError };

const known: ReadonlySet<string> = new Set(TEMPLATE_VARIABLES);

function position(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return { line, column };
}

/** The closest known variable, for "did you mean" hints on typos and wrong case. */
function suggestion(name: string): string | undefined {
  const lower = name.toLowerCase();
  const exact = TEMPLATE_VARIABLES.find((v) => v.toLowerCase() === lower);
  if (exact) return exact;
  let best: { name: string; distance: number } | undefined;
  for (const v of TEMPLATE_VARIABLES) {
    const d = editDistance(lower, v.toLowerCase());
    if (d <= 2 && (!best || d < best.distance)) best = { name: v, distance: d };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

const knownList = TEMPLATE_VARIABLES.map((v) => `.${v}`).join(', ');

/** Decodes a Go double-quoted string literal (the escapes people actually use). */
function stringLiteral(body: string): string | undefined {
  if (!/^"(?:[^"\\\n]|\\.)*"$/.test(body)) return undefined;
  let out = '';
  for (let i = 1; i < body.length - 1; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i]!;
    const map: Record<string, string> = { n: '\n', t: '\t', '"': '"', '\\': '\\' };
    if (!(e in map)) return undefined;
    out += map[e];
  }
  return out;
}

/** Parses a template once; validation and rendering share the result. */
export function parseTemplate(source: string): ParseResult {
  const nodes: TemplateNode[] = [];
  let text = '';
  let i = 0;
  let trimNextText = false;
  const fail = (offset: number, message: string): ParseResult => ({
    ok: false,
    error: { message, ...position(source, offset) },
  });

  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open < 0) {
      text += trimNextText ? source.slice(i).trimStart() : source.slice(i);
      break;
    }
    let chunk = source.slice(i, open);
    if (trimNextText) chunk = chunk.trimStart();
    trimNextText = false;

    const close = source.indexOf('}}', open + 2);
    if (close < 0) return fail(open, 'unclosed action: "{{" without a matching "}}"');
    let inner = source.slice(open + 2, close);
    // Go requires white space after "{{-" and before "-}}"; without it "-" would be part of the action.
    if (/^-\s/.test(inner)) {
      chunk = chunk.trimEnd();
      inner = inner.slice(1);
    }
    if (/\s-$/.test(inner)) {
      trimNextText = true;
      inner = inner.slice(0, -1);
    }
    text += chunk;
    const body = inner.trim();

    if (body.startsWith('/*')) {
      if (!body.endsWith('*/')) return fail(open, 'a comment must be written {{/* like this */}}');
    } else if (body.startsWith('"')) {
      const literal = stringLiteral(body);
      if (literal === undefined) return fail(open, `invalid string literal ${body}`);
      text += literal;
    } else if (/^\.[A-Za-z_][A-Za-z0-9_]*$/.test(body)) {
      const name = body.slice(1);
      if (!known.has(name)) {
        const hint = suggestion(name);
        return fail(
          open,
          `unknown variable .${name}` +
            (hint ? ` (did you mean .${hint}?)` : '') +
            `; the variables are ${knownList}`,
        );
      }
      if (text !== '') nodes.push({ kind: 'text', value: text });
      text = '';
      nodes.push({ kind: 'var', name: name as TemplateVariable });
    } else if (body === '') {
      return fail(open, 'empty action "{{ }}"; write a variable such as {{ .newTag }}');
    } else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(body) && known.has(body)) {
      return fail(open, `write {{ .${body} }} with a leading dot, as in Go templates`);
    } else {
      return fail(
        open,
        `unsupported action {{ ${body} }}: templates only print variables (${knownList}) and ` +
          `"string literals"; functions, pipelines and conditionals are not available`,
      );
    }
    i = close + 2;
  }
  if (text !== '') nodes.push({ kind: 'text', value: text });
  return { ok: true, nodes };
}

/**
 * Renders parsed nodes. `escape` is applied to variable values only, never to the template's own text,
 * so a Slack template may contain mrkdwn links while a tag can never inject markup.
 */
export function renderTemplate(
  nodes: readonly TemplateNode[],
  values: TemplateValues,
  escape: (value: string) => string = (v) => v,
): string {
  return nodes.map((n) => (n.kind === 'text' ? n.value : escape(values[n.name]))).join('');
}

export function formatTemplateError(e: TemplateError): string {
  return `line ${e.line}, column ${e.column}: ${e.message}`;
}
