// Helm and kustomize install the same thing. The chart with default values (release "tagpilot" in
// tagpilot-system) must render exactly the objects of config/overlays/default, with equal specs, and
// RBAC rules identical to config/rbac (the programs' own least-privilege roles); with watchNamespaces
// it must match the namespaced overlay. Labels differ on purpose (helm.sh/chart, managed-by) and are
// left out of the comparison.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { chartDir, kustomizeBuild, parseManifests, renderChart, type K8sObject } from './render.js';

const key = (o: K8sObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** The object without what legitimately differs between the two tools. */
function normalise(o: K8sObject): unknown {
  const copy = JSON.parse(JSON.stringify(o)) as K8sObject & { spec?: { template?: { metadata?: unknown } } };
  delete copy.metadata.labels;
  delete copy.metadata.annotations;
  if (copy.spec?.template) delete copy.spec.template.metadata;
  return copy;
}

function byKey(objects: K8sObject[]): Map<string, K8sObject> {
  return new Map(objects.filter((o) => o.kind !== 'Namespace').map((o) => [key(o), o]));
}

describe('chart and kustomize parity', () => {
  it('the default overlay and the chart with default values install the same objects with equal specs', async () => {
    const chart = byKey(parseManifests(await renderChart({}, { includeCrds: true })));
    const kustomize = byKey(parseManifests(await kustomizeBuild('default')));
    expect([...chart.keys()].sort()).toEqual([...kustomize.keys()].sort());
    for (const [k, o] of chart)
      expect({ k, o: normalise(o) }).toEqual({ k, o: normalise(kustomize.get(k)!) });
  });

  it('the namespaced overlay and the chart watching the same namespace grant the same RBAC and flags', async () => {
    const chart = byKey(parseManifests(await renderChart({ watchNamespaces: ['apps'] })));
    const kustomize = byKey(parseManifests(await kustomizeBuild('namespaced')));
    const rbac = (m: Map<string, K8sObject>) =>
      [...m.keys()].filter((k) => /Role|ServiceAccount/.test(k)).sort();
    expect(rbac(chart)).toEqual(rbac(kustomize));
    for (const k of rbac(chart))
      expect({ k, o: normalise(chart.get(k)!) }).toEqual({ k, o: normalise(kustomize.get(k)!) });
    for (const d of [
      'Deployment/tagpilot-system/tagpilot-operator',
      'Deployment/tagpilot-system/tagpilot-controller',
    ])
      expect(normalise(chart.get(d)!)).toEqual(normalise(kustomize.get(d)!));
  });

  it('the chart and the default overlay pin the chart appVersion as the image tag', () => {
    const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as {
      version: string;
      appVersion: string;
    };
    const overlay = parse(
      readFileSync(join(chartDir, '../../config/overlays/default/kustomization.yaml'), 'utf8'),
    ) as {
      images: { newTag: string }[];
    };
    expect(overlay.images.map((i) => i.newTag)).toEqual([chart.appVersion, chart.appVersion]);
    const pkg = JSON.parse(readFileSync(join(chartDir, '../../package.json'), 'utf8')) as { version: string };
    expect(chart.appVersion).toBe(pkg.version);
  });
});
