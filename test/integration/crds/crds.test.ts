// The generated CRDs in a real kube-apiserver: every sample is accepted, every bad row is rejected
// with a message that names the field, and the ajv validators agree with the apiserver on each row.
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import {
  ALERT_CONFIG,
  alertConfigWithDefaults,
  IMAGE,
  imageWithDefaults,
  validateAlertConfig,
  validateImage,
  type AlertConfig,
  type Image,
} from '../../../crds/index.js';
import { adminKubeConfig, createTestNamespace } from '../../testenv/kube.js';
import { waitFor } from '../../testenv/wait.js';
import { badCases, goodCases, type BadCase, type KubeObject } from './cases.js';
import { crdObjects, installCRDsWith } from '../../testenv/crds.js';
import { kubectl } from '../../testenv/tools.js';

const env = inject('testenv');
const kc = adminKubeConfig(env);
const custom = kc.makeApiClient(CustomObjectsApi);
const applyPatch = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
const FIELD_MANAGER = 'tagpilot-crds-test';
let namespace: string;

function target(obj: KubeObject) {
  const info = obj.kind === 'Image' ? IMAGE : ALERT_CONFIG;
  return { group: info.group, version: info.version, plural: info.plural, namespace };
}

function validate(obj: KubeObject) {
  return obj.kind === 'Image' ? validateImage(obj) : validateAlertConfig(obj);
}

/** `kubectl apply --server-side` of the spec, then of the status subresource when there is one. */
async function apply(obj: KubeObject): Promise<void> {
  const { status, ...main } = obj;
  const common = { ...target(obj), name: obj.metadata.name, fieldManager: FIELD_MANAGER, force: true };
  await custom.patchNamespacedCustomObject({ ...common, body: main, fieldValidation: 'Strict' }, applyPatch);
  if (status !== undefined) {
    const body = {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      metadata: { name: obj.metadata.name },
      status,
    };
    await custom.patchNamespacedCustomObjectStatus(
      { ...common, body, fieldValidation: 'Strict' },
      applyPatch,
    );
  }
}

/** The apiserver's error message for a request that must fail; fails the test if it succeeds. */
async function rejection(request: () => Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await request();
  } catch (err) {
    const { code, body } = err as { code?: number; body?: unknown };
    if (typeof code !== 'number') throw err;
    const parsed =
      typeof body === 'string' ? (JSON.parse(body) as { message?: string }) : (body as { message?: string });
    return { code, message: parsed?.message ?? String(body) };
  }
  throw new Error('the apiserver accepted the object');
}

async function reject(c: BadCase) {
  if (!c.inStatus) {
    return rejection(() =>
      custom.createNamespacedCustomObject({
        ...target(c.object),
        body: c.object,
        fieldManager: FIELD_MANAGER,
        fieldValidation: 'Strict',
      }),
    );
  }
  const { status, ...valid } = c.object;
  await apply(valid);
  return rejection(() => apply({ ...valid, status }));
}

/** True when `message` mentions `field` as a whole path (not as the prefix of a longer one). */
function namesField(message: string, field: string): boolean {
  const escaped = field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[\\s"\\[,.])${escaped}(?=[:"\\s]|$)`).test(message);
}

beforeAll(async () => {
  await installCRDsWith(kc);
  namespace = await createTestNamespace(env, 'crds');
});

describe('generated CRDs in the apiserver', () => {
  it.each(goodCases().map((c) => [c.name, c] as const))('accepts %s', async (_name, c) => {
    expect(validate(c.object)).toEqual({ ok: true });
    await apply(c.object);
    const stored = (await custom.getNamespacedCustomObject({
      ...target(c.object),
      name: c.object.metadata.name,
    })) as Image | AlertConfig;
    // The apiserver's defaulting and the validators' defaulting agree.
    const expected =
      c.object.kind === 'Image'
        ? imageWithDefaults(c.object as unknown as Image).spec
        : alertConfigWithDefaults(c.object as unknown as AlertConfig).spec;
    expect(stored.spec).toEqual(expected);
    if (c.object.status !== undefined) expect(stored.status).toEqual(c.object.status);
  });

  it(`rejects ${badCases.length} bad objects, naming the field, as the validators do`, async () => {
    expect(badCases.length).toBeGreaterThanOrEqual(15);
    const disagreements: string[] = [];
    for (const c of badCases) {
      const { code, message } = await reject(c);
      const local = validate(c.object);
      if (code !== 422 && code !== 400) disagreements.push(`${c.name}: HTTP ${code}: ${message}`);
      if (!namesField(message, c.field))
        disagreements.push(`${c.name}: apiserver does not name ${c.field}: ${message}`);
      if (local.ok) disagreements.push(`${c.name}: the validator accepts it, the apiserver says: ${message}`);
      else if (!local.errors.some((e) => e.field === c.field)) {
        disagreements.push(
          `${c.name}: the validator does not name ${c.field}: ${JSON.stringify(local.errors)}`,
        );
      }
    }
    expect(disagreements).toEqual([]);
  });
});

interface DescribedSchema {
  description: string;
  properties: Record<string, DescribedSchema>;
  items: DescribedSchema;
}

// Runs after the table above (tests of a file run in order): it reads the objects those created.
describe('kubectl against the generated CRDs', () => {
  it('kubectl explain images.spec.rules prints the schema descriptions', async () => {
    // Expected text comes from the generated CRD, not retyped, so the test follows the schema source.
    const crd = crdObjects().find((c) => c.spec.names.kind === 'Image');
    const schema = crd?.spec.versions[0]?.schema?.openAPIV3Schema as unknown as DescribedSchema;
    const rules = schema.properties.spec!.properties.rules!;
    const flat = (s: string) => s.replace(/\s+/g, ' ');
    // The OpenAPI v3 document of a new CRD is published a moment after it is Established.
    const out = await waitFor('kubectl explain to know images.spec.rules', async () => {
      const r = await kubectl(env.kubeconfig, ['explain', 'images.spec.rules']);
      return r.code === 0 && flat(r.stdout).includes(flat(rules.description)) ? r.stdout : undefined;
    });
    expect(out).toContain('GROUP:      tagpilot.dev');
    for (const [field, child] of Object.entries(rules.items.properties)) {
      expect(out).toMatch(new RegExp(`^\\s+${field}\\s`, 'm'));
      expect(flat(out)).toContain(flat(child.description));
    }
    const type = await kubectl(env.kubeconfig, ['explain', 'images.spec.rules.type']);
    expect(type.stdout).toContain('semver-range');
    expect(flat(type.stdout)).toContain(flat(rules.items.properties.type!.description));
  });

  it('kubectl get shows the printer columns, short names and the tagpilot category', async () => {
    const wide = await kubectl(env.kubeconfig, ['get', 'tpimg', '-n', namespace, '-o', 'wide']);
    expect(wide.stderr).toBe('');
    const header = wide.stdout.split('\n')[0]?.trim().split(/\s+/);
    expect(header).toEqual([
      'NAME',
      'READY',
      'IMAGE',
      'TAG',
      'PENDING',
      'RESULT',
      'LAST-CHECK',
      'AGE',
      'MESSAGE',
    ]);
    // Nothing waits for approval: the Pending column is empty.
    expect(wide.stdout).toMatch(/^full-status\s+True\s+ghcr\.io\/acme\/web\s+v1\.5\.2\s+Success\s/m);
    const all = await kubectl(env.kubeconfig, ['get', 'tagpilot', '-n', namespace, '-o', 'name']);
    expect(all.stdout).toContain('image.tagpilot.dev/jellyfin');
    expect(all.stdout).toContain('alertconfig.tagpilot.dev/team-slack');
    const ac = await kubectl(env.kubeconfig, ['get', 'tpalert', 'ac-status', '-n', namespace]);
    expect(ac.stdout).toMatch(/^NAME\s+READY\s+AGE\s*\nac-status\s+True\s/);
  });

  it('selects Images by spec.image with a field selector', async () => {
    const list = (await custom.listNamespacedCustomObject({
      group: IMAGE.group,
      version: IMAGE.version,
      plural: IMAGE.plural,
      namespace,
      fieldSelector: 'spec.image=ghcr.io/home-assistant/home-assistant',
    })) as { items: Image[] };
    expect(list.items.map((i) => i.metadata.name).sort()).toEqual([
      'home-assistant',
      'home-assistant-stable',
    ]);
  });
});
