import { describe, expect, it } from 'vitest';
import { parseTemplate, renderTemplate, TEMPLATE_VARIABLES, type TemplateValues } from './template.js';

const values: TemplateValues = {
  namespace: 'prod',
  name: 'web',
  image: 'ghcr.io/acme/web',
  previousTag: 'v1.4.0',
  newTag: 'v1.5.0',
  digest: 'sha256:abc',
  rule: 'minor',
  time: '2026-01-02T03:04:05Z',
  availableTags: 'v1.4.0, v1.5.0',
  event: 'Failed',
  reason: 'registry down',
};

function render(source: string, escape?: (s: string) => string): string {
  const parsed = parseTemplate(source);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return renderTemplate(parsed.nodes, values, escape);
}

describe('parseTemplate / renderTemplate', () => {
  it.each([
    ['plain text', 'hello', 'hello'],
    ['a variable', '{{ .newTag }}', 'v1.5.0'],
    ['no spaces', '{{.newTag}}', 'v1.5.0'],
    [
      'several',
      '{{ .namespace }}/{{ .name }}: {{.previousTag}} → {{ .newTag }}',
      'prod/web: v1.4.0 → v1.5.0',
    ],
    ['string literal for a literal {{', '{{ "{{" }} .newTag }}', '{{ .newTag }}'],
    ['literal with escapes', '{{ "a\\"b\\\\c\\n" }}', 'a"b\\c\n'],
    ['lone }} is text', 'a }} b', 'a }} b'],
    ['comment', 'a{{/* note */}}b', 'ab'],
    ['trim left', 'a   \n {{- .newTag }}', 'av1.5.0'],
    ['trim right', '{{ .newTag -}}  \n b', 'v1.5.0b'],
    ['"-" without space is not a trim marker', 'a {{ .newTag }} - b', 'a v1.5.0 - b'],
    [
      'every variable',
      TEMPLATE_VARIABLES.map((v) => `{{ .${v} }}`).join('|'),
      Object.values(values).join('|'),
    ],
    ['multi-line', 'line1\n{{ .rule }}\nline3', 'line1\nminor\nline3'],
  ])('%s', (_name, source, expected) => {
    expect(render(source)).toBe(expected);
  });

  it('escapes variable values only, never the template text', () => {
    const out = render('<b>{{ .newTag }}</b>', (v) => `[${v}]`);
    expect(out).toBe('<b>[v1.5.0]</b>');
  });

  it.each([
    [
      'unknown variable with a case hint',
      'x {{ .NewTag }}',
      1,
      3,
      'unknown variable .NewTag (did you mean .newTag?)',
    ],
    ['unknown variable with a typo hint', '{{ .namspace }}', 1, 1, 'did you mean .namespace?'],
    ['unknown variable, no hint', '\n  {{ .password }}', 2, 3, 'the variables are .namespace, .name,'],
    ['unclosed action', 'a {{ .newTag', 1, 3, 'unclosed action'],
    ['missing dot', '{{ newTag }}', 1, 1, 'write {{ .newTag }} with a leading dot'],
    [
      'function call',
      '{{ printf "%s" .newTag }}',
      1,
      1,
      'functions, pipelines and conditionals are not available',
    ],
    ['pipeline', '{{ .newTag | upper }}', 1, 1, 'unsupported action'],
    ['conditional', '{{ if .digest }}x{{ end }}', 1, 1, 'unsupported action'],
    ['field of a variable', '{{ .image.Name }}', 1, 1, 'unsupported action'],
    ['empty action', '{{ }}', 1, 1, 'empty action'],
    ['bad literal', '{{ "abc }}', 1, 1, 'invalid string literal'],
    ['bad escape', '{{ "\\q" }}', 1, 1, 'invalid string literal'],
    ['unterminated comment', '{{/* x }}', 1, 1, 'a comment must be written'],
  ])('rejects %s', (_name, source, line, column, message) => {
    const parsed = parseTemplate(source);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error.line).toBe(line);
    expect(parsed.error.column).toBe(column);
    expect(parsed.error.message).toContain(message);
  });
});
