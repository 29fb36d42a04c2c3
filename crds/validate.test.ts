import { describe, expect, it } from 'vitest';
import { badCases, goodCases, type KubeObject } from '../test/integration/crds/cases.js';
import { alertConfigKind } from './alertconfig.schema.js';
import { imageKind } from './image.schema.js';
import { formatErrors, imageWithDefaults, validateAlertConfig, validateImage, type Image } from './index.js';
import type { CelRule } from './schema/builders.js';
import { rootSchema } from './schema/kind.js';
import { walk } from './schema/walk.js';
import { pointerToField } from './validate.js';

function validate(obj: KubeObject) {
  return obj.kind === 'Image' ? validateImage(obj) : validateAlertConfig(obj);
}

// The same tables the integration test sends to the real apiserver.
describe('validators on the good table', () => {
  it.each(goodCases().map((c) => [c.name, c] as const))('accepts %s', (_name, c) => {
    const result = validate(c.object);
    expect(result.ok ? '' : formatErrors(result.errors)).toBe('');
  });
});

describe('validators on the bad table', () => {
  it.each(badCases.map((c) => [c.name, c] as const))('rejects %s', (_name, c) => {
    const result = validate(c.object);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.field)).toContain(c.field);
  });

  it('has at least 15 rows', () => {
    expect(badCases.length).toBeGreaterThanOrEqual(15);
  });

  // Every CEL rule must be broken by some row, or the apiserver/validator agreement is unproven for it.
  it('breaks every CEL rule of the schema at least once', () => {
    const messages = new Set(
      badCases.flatMap((c) => {
        const r = validate(c.object);
        return r.ok ? [] : r.errors.map((e) => e.message);
      }),
    );
    const rules: CelRule[] = [imageKind, alertConfigKind].flatMap((k) =>
      [...walk(rootSchema(k))].flatMap(({ node }) => node['x-kubernetes-validations'] ?? []),
    );
    const unbroken = [...new Set(rules.map((r) => r.message))].filter(
      (m) => ![...messages].some((msg) => msg.endsWith(`: ${m}`)),
    );
    expect(unbroken).toEqual([]);
  });
});

describe('validator details', () => {
  const base = goodCases().find((c) => c.object.kind === 'Image')?.object as KubeObject;

  it('rejects objects of another kind or version', () => {
    expect(validateImage({ ...base, kind: 'AlertConfig' }).ok).toBe(false);
    expect(validateImage({ ...base, apiVersion: 'tagpilot.dev/v1' }).ok).toBe(false);
    expect(validateAlertConfig(base).ok).toBe(false);
    expect(validateImage('not an object').ok).toBe(false);
  });

  it('names the field and says what is wrong', () => {
    const spec = { ...base.spec, rules: [{ type: 'regex', actions: [{ type: 'apply' }] }] };
    const result = validateImage({ ...base, spec });
    expect(result).toEqual({
      ok: false,
      errors: [{ field: 'spec.rules[0].value', message: expect.stringMatching(/^Required value: regex/) }],
    });
  });

  it('fills defaults without touching its input', () => {
    const input = {
      apiVersion: 'tagpilot.dev/v1alpha1',
      kind: 'Image',
      metadata: { name: 'x' },
      spec: {
        image: 'nginx',
        triggers: [{ type: 'webhook' }],
        rules: [{ type: 'digest', actions: [{ type: 'apply' }] }],
      },
    } satisfies Image;
    const copy = structuredClone(input);
    const out = imageWithDefaults(input);
    expect(input).toEqual(copy);
    expect(out.spec).toMatchObject({ baseTag: 'latest', insecureSkipTLSVerify: false, suspend: false });
    expect(out.spec.rules[0]?.allowPrerelease).toBe(false);
    expect(out.spec.plainHTTP).toBeUndefined();
  });

  it.each([
    ['', ''],
    ['/spec', 'spec'],
    ['/spec/rules/0/actions/12/type', 'spec.rules[0].actions[12].type'],
    ['/metadata/annotations/tagpilot.dev~1refresh', 'metadata.annotations.tagpilot.dev/refresh'],
  ])('pointerToField(%j) = %j', (pointer, field) => {
    expect(pointerToField(pointer)).toBe(field);
  });
});
