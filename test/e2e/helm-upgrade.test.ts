// The chart as a release artefact: packaged, pushed to a real OCI registry, installed from `oci://` at a
// previous version, then upgraded to the current one — and the CRDs follow the upgrade (they are chart
// templates, not crds/ that Helm installs once). The previous version is made here: the current chart
// with version 0.0.1-previous and an Image CRD without the "Result" printer column, so the upgrade has a
// visible CRD change to carry.
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiextensionsV1Api, AppsV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { chartDir } from '../integration/install/render.js';
import { installCRDs } from '../testenv/crds.js';
import { adminKubeConfig, createTestNamespace } from '../testenv/kube.js';
import { helm, mustRun } from '../testenv/tools.js';

const env = inject('testenv');
const kc = adminKubeConfig(env);
const registry = env.registries.anonymous.host;
const repo = `oci://${registry}/charts-${randomBytes(3).toString('hex')}`;
const release = `tp-helm-${randomBytes(3).toString('hex')}`;
const PREVIOUS = '0.0.1-previous';
const current = (parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { version: string }).version;
const values = JSON.stringify({ operator: { replicas: 1 }, controller: { replicas: 1 } });

let namespace: string;
const kube = () => ['--kubeconfig', env.kubeconfig, '--namespace', namespace];

interface Crd {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { versions: { additionalPrinterColumns?: { name: string }[] }[] };
}
const readCrd = async (name: string) =>
  (await kc.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name })) as unknown as Crd;
const columns = (crd: Crd) => (crd.spec.versions[0]?.additionalPrinterColumns ?? []).map((c) => c.name);

/** stderr without helm's report of an OCI pull. */
const pullReport = (stderr: string) =>
  stderr
    .split('\n')
    .filter((l) => l.trim() !== '' && !/^(Pulled|Digest): /.test(l))
    .join('\n');

/** The current chart as an older release: lower version, and the Image CRD one printer column short. */
function previousChart(dir: string): string {
  const chart = join(dir, 'tagpilot');
  cpSync(chartDir, chart, { recursive: true });
  const meta = parse(readFileSync(join(chart, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(chart, 'Chart.yaml'), stringify({ ...meta, version: PREVIOUS }));
  const crdFile = join(chart, 'files/crds/tagpilot.dev_images.yaml');
  const crd = parse(readFileSync(crdFile, 'utf8')) as Crd;
  const version = crd.spec.versions[0]!;
  expect(columns(crd)).toContain('Result');
  version.additionalPrinterColumns = version.additionalPrinterColumns!.filter((c) => c.name !== 'Result');
  writeFileSync(crdFile, stringify(crd));
  return chart;
}

describe('helm: OCI chart, install of the previous version, upgrade to this one', () => {
  beforeAll(async () => {
    namespace = await createTestNamespace(env, 'tp-helm');
    const dir = mkdtempSync(join(tmpdir(), 'tagpilot-helm-e2e-'));
    for (const src of [previousChart(dir), chartDir]) {
      const out = await mustRun('helm', ['package', src, '--destination', dir]);
      const tgz = out.match(/saved it to: (\S+\.tgz)/)?.[1];
      expect(tgz).toBeDefined();
      await mustRun('helm', ['push', tgz!, repo, '--plain-http']);
    }
  });

  afterAll(async () => {
    await helm(['uninstall', release, ...kube(), '--ignore-not-found']);
  });

  it('the pushed charts are OCI artifacts in the registry, with both versions', async () => {
    const res = await fetch(`http://${registry}/v2/${repo.split('/').slice(3).join('/')}/tagpilot/tags/list`);
    expect(((await res.json()) as { tags: string[] }).tags.sort()).toEqual([PREVIOUS, current].sort());
    const shown = await mustRun('helm', [
      'show',
      'chart',
      `${repo}/tagpilot`,
      '--version',
      PREVIOUS,
      '--plain-http',
    ]);
    expect(shown).toContain(`version: ${PREVIOUS}`);
  });

  it('installs the previous version from oci://', async () => {
    // The shared test cluster already has the CRDs (other suites install them), owned by no release: helm
    // refuses to take them silently, and --take-ownership adopts them (docs/upgrading.md). They were
    // applied by the field manager "tagpilot" with the current definitions, so writing the previous
    // ones is a server-side apply conflict too: --force-conflicts. On a fresh cluster the plain install
    // is enough; the upgrade below needs neither flag.
    await installCRDs(env);
    const install = [
      'install',
      release,
      `${repo}/tagpilot`,
      '--version',
      PREVIOUS,
      '--plain-http',
      ...kube(),
    ];
    const refused = await helm([...install, '--values', '-'], { input: values });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(
      /CustomResourceDefinition "(images|alertconfigs)\.tagpilot\.dev".*cannot be imported into the current release/,
    );

    const r = await helm([...install, '--take-ownership', '--force-conflicts', '--values', '-'], {
      input: values,
    });
    // helm reports the pull (Pulled:, Digest:) on stderr; anything else there is a failure.
    expect({ code: r.code, stderr: pullReport(r.stderr) }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toContain('kubectl get images -A'); // NOTES.txt
    const crd = await readCrd('images.tagpilot.dev');
    expect(columns(crd)).not.toContain('Result');
    expect(crd.metadata.labels?.['helm.sh/chart']).toBe(`tagpilot-${PREVIOUS}`);
    expect(crd.metadata.annotations).toMatchObject({
      'meta.helm.sh/release-name': release,
      'helm.sh/resource-policy': 'keep',
    });
  });

  it('helm upgrade to the current version updates the changed CRD', async () => {
    const r = await helm(
      [
        'upgrade',
        release,
        `${repo}/tagpilot`,
        '--version',
        current,
        '--plain-http',
        ...kube(),
        '--values',
        '-',
      ],
      { input: values },
    );
    expect({ code: r.code, stderr: pullReport(r.stderr) }).toEqual({ code: 0, stderr: '' });
    const crd = await readCrd('images.tagpilot.dev');
    expect(columns(crd)).toContain('Result');
    expect(crd.metadata.labels?.['helm.sh/chart']).toBe(`tagpilot-${current}`);
    const history = await mustRun('helm', ['history', release, ...kube(), '-o', 'json']);
    expect(
      (JSON.parse(history) as { chart: string; status: string }[]).map((h) => [h.chart, h.status]),
    ).toEqual([
      [`tagpilot-${PREVIOUS}`, 'superseded'],
      [`tagpilot-${current}`, 'deployed'],
    ]);
  });

  it('helm uninstall removes the programs and keeps the CRDs', async () => {
    await mustRun('helm', ['uninstall', release, ...kube(), '--wait', '--timeout', '60s']);
    const apps = kc.makeApiClient(AppsV1Api);
    const left = await apps.listNamespacedDeployment({ namespace });
    expect(left.items.map((d) => d.metadata?.name)).toEqual([]);
    const crd = await readCrd('images.tagpilot.dev');
    expect(columns(crd)).toContain('Result');
  });
});
