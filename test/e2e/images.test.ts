// The release images, end to end and without a container daemon: the images `make images` builds
// (hack/images.sh; hack/test.sh builds them before e2e, and this suite reuses them when no input
// changed) are pushed to the test registry with skopeo, pulled back, unpacked with umoci and run with
// runc under a read-only root. The operator and controller run from their images with the chart's flags,
// in-cluster as the chart's ServiceAccounts (a token volume like the kubelet's, KUBERNETES_SERVICE_*),
// on the host network so they reach the test apiserver and registry, and complete one real update.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdmissionregistrationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { installChart, type InstalledChart } from '../testenv/chart.js';
import {
  configureBundle,
  copyImage,
  deleteContainer,
  keepImageConfig,
  layoutBlob,
  layoutDigest,
  mustExec,
  runToCompletion,
  serviceAccountVolume,
  startContainer,
  unpackBundle,
} from '../testenv/containers.js';
import { adminKubeConfig, createTestNamespace, serviceAccountKubeConfig } from '../testenv/kube.js';
import { freePort } from '../testenv/ports.js';
import { completeOneUpdate } from '../testenv/update.js';
import { waitFor } from '../testenv/wait.js';
import { find, podSpec, repoRoot } from '../integration/install/render.js';
import { localArgs, waitReady, type Program } from '../integration/install/programs.js';

const env = inject('testenv');
const RELEASE = 'tagpilot-img';
const PROGRAMS = ['operator', 'controller'] as const;
type ProgramName = (typeof PROGRAMS)[number];
const layout = join(process.env.TAGPILOT_IMAGES_DIR ?? join(repoRoot, 'dist', 'images'), 'oci');
const nodeVersion = readFileSync(join(repoRoot, '.node-version'), 'utf8').trim();
const SA_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

interface ImageConfig {
  config: { User?: string; Entrypoint?: string[]; Labels?: Record<string, string> };
}

const work = mkdtempSync(join(tmpdir(), 'tagpilot-images-e2e-'));
const runcRoot = join(work, 'runc');
const pulled = join(work, 'pulled');
const bundle = (p: ProgramName) => join(work, `bundle-${p}`);
const containerIds: string[] = [];
const programs: Program[] = [];
const remote: Record<ProgramName, string> = { operator: '', controller: '' };

function withProgramOutput(err: Error): Error {
  const tails = programs.map((p) => `--- ${p.name}\n${p.output().slice(-6000)}`).join('\n');
  return new Error(`${err.message}\n${tails}`);
}

describe('the release images, pushed, pulled and run with runc', () => {
  let releaseNs: string;
  let appNs: string;
  let chart: InstalledChart;

  beforeAll(async () => {
    await mustExec('bash', ['hack/images.sh', '--if-changed'], { cwd: repoRoot, timeoutMs: 1_500_000 });
    const repo = `tagpilot-e2e-${randomBytes(3).toString('hex')}`;
    for (const p of PROGRAMS) {
      remote[p] = `${env.registries.anonymous.host}/${repo}/tagpilot-${p}:0.1.0`;
      await copyImage(`oci:${layout}:${p}`, `docker://${remote[p]}`);
      await copyImage(`docker://${remote[p]}`, `oci:${pulled}:${p}`);
      await unpackBundle(pulled, p, bundle(p));
      keepImageConfig(bundle(p));
    }
  }, 1_800_000);

  afterAll(async () => {
    for (const p of programs) await p.stop();
    for (const id of containerIds) await deleteContainer(runcRoot, id);
    await chart?.uninstall();
    rmSync(work, { recursive: true, force: true });
  });

  it('the registry serves the digests that make images wrote, and pulling them back changes nothing', async () => {
    for (const p of PROGRAMS) {
      const built = layoutDigest(layout, p);
      expect(built).toMatch(/^sha256:[a-f0-9]{64}$/);
      const inspected = JSON.parse(
        await mustExec('skopeo', ['inspect', '--tls-verify=false', `docker://${remote[p]}`]),
      ) as { Digest: string };
      expect({ program: p, digest: inspected.Digest }).toEqual({ program: p, digest: built });
      expect(layoutDigest(pulled, p)).toBe(built);
    }
  });

  it('images: user 65532, the program as entrypoint, OCI labels; no shell and no package manager', () => {
    for (const p of PROGRAMS) {
      const manifest = layoutBlob<{ config: { digest: string } }>(pulled, layoutDigest(pulled, p));
      const { config } = layoutBlob<ImageConfig>(pulled, manifest.config.digest);
      expect(config.User).toBe('65532:65532');
      // node, then only V8/Node flags (the operator caps the young generation), then the program.
      const entry = config.Entrypoint ?? [];
      expect(entry[0]).toBe('/nodejs/bin/node');
      expect(entry.at(-1)).toBe(`dist/${p}/main.js`);
      for (const flag of entry.slice(1, -1)) expect(flag).toMatch(/^--[a-z-]+(=\d+)?$/);
      expect(config.Labels?.['org.opencontainers.image.title']).toBe(`tagpilot-${p}`);
      expect(config.Labels?.['org.opencontainers.image.version']).toBe('0.1.0');
      expect(config.Labels?.['org.opencontainers.image.revision']).toMatch(/^[a-f0-9]{40}/);
      const rootfs = join(bundle(p), 'rootfs');
      expect(existsSync(join(rootfs, 'nodejs/bin/node'))).toBe(true);
      expect(existsSync(join(rootfs, `app/dist/${p}/main.js`))).toBe(true);
      const present = ['sh', 'bash', 'dash', 'perl', 'apt', 'apt-get', 'dpkg']
        .flatMap((b) => ['bin', 'usr/bin', 'sbin', 'usr/sbin'].map((d) => `${d}/${b}`))
        .filter((path) => existsSync(join(rootfs, path)));
      expect(present).toEqual([]);
      expect(readFileSync(join(rootfs, 'etc/passwd'), 'utf8')).toMatch(/^nonroot:x:65532:65532:/m);
    }
  });

  it(`runs Node.js ${nodeVersion} (the supported LTS) inside the images`, async () => {
    for (const p of PROGRAMS) {
      configureBundle(bundle(p), { argv: ['/nodejs/bin/node', '--version'] });
      const id = `tp-e2e-${p}-version-${randomBytes(3).toString('hex')}`;
      const r = await runToCompletion(runcRoot, bundle(p), id);
      console.log(`[images] ${p}: node --version inside the image → ${r.stdout.trim()}`);
      expect({ program: p, code: r.code, stderr: r.stderr, version: r.stdout.trim() }).toEqual({
        program: p,
        code: 0,
        stderr: '',
        version: `v${nodeVersion}`,
      });
      expect(r.stdout).toMatch(/^v24\./);
    }
  });

  it('runs with a read-only root, as 65532, writing only to /tmp', async () => {
    const probe = [
      "const fs = require('node:fs');",
      "let root = 'writable';",
      "try { fs.writeFileSync('/app/probe', 'x'); } catch (e) { root = e.code; }",
      "fs.writeFileSync('/tmp/probe', 'x');",
      'console.log(JSON.stringify({ uid: process.getuid(), root, tmp: fs.readFileSync("/tmp/probe", "utf8") }));',
    ].join(' ');
    configureBundle(bundle('controller'), { argv: ['/nodejs/bin/node', '-e', probe] });
    const r = await runToCompletion(
      runcRoot,
      bundle('controller'),
      `tp-e2e-probe-${randomBytes(3).toString('hex')}`,
    );
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(r.stdout)).toEqual({ uid: 65532, root: 'EROFS', tmp: 'x' });
  });

  describe('installed with the chart, the programs run from their images', () => {
    beforeAll(async () => {
      releaseNs = await createTestNamespace(env, 'tp-img');
      appNs = await createTestNamespace(env, 'tp-img-apps');
      chart = await installChart(
        env,
        {
          watchNamespaces: [appNs],
          operator: { replicas: 1 },
          controller: { replicas: 1 },
          // So a tag pushed during the test is seen on the next tick rather than after the default 60 s.
          registry: { cacheTTL: '1s' },
        },
        { release: RELEASE, namespace: releaseNs },
      );
    });

    /** The Pod's view of the cluster: its ServiceAccount token volume and the in-cluster env. */
    async function podEnvironment(p: ProgramName) {
      const spec = podSpec(find(chart.objects, 'Deployment', `${RELEASE}-${p}`));
      const sa = await serviceAccountKubeConfig(env, releaseNs, spec.serviceAccountName!);
      const admin = adminKubeConfig(env).getCurrentCluster()!;
      const ca = Buffer.from(admin.caData ?? '', 'base64').toString('utf8');
      const volume = serviceAccountVolume(join(work, `sa-${p}`), sa.getCurrentUser()!.token!, ca, releaseNs);
      const api = new URL(env.apiServerURL);
      return {
        chartArgs: spec.containers[0]!.args!,
        mounts: [{ source: volume, destination: SA_MOUNT }],
        env: {
          KUBERNETES_SERVICE_HOST: api.hostname,
          KUBERNETES_SERVICE_PORT: api.port,
          POD_NAME: `${RELEASE}-${p}-0`,
          POD_NAMESPACE: releaseNs,
        },
      };
    }

    function start(p: ProgramName, args: string[], pod: Awaited<ReturnType<typeof podEnvironment>>): Program {
      configureBundle(bundle(p), { args, env: pod.env, mounts: pod.mounts });
      const id = `tp-e2e-${p}-${randomBytes(3).toString('hex')}`;
      containerIds.push(id);
      const program = startContainer(`images-e2e-${p}`, runcRoot, bundle(p), id, env.logDir);
      programs.push(program);
      return program;
    }

    it('starts the operator from its image as the chart ServiceAccount', async () => {
      const pod = await podEnvironment('operator');
      const [webhookPort, metricsPort] = [await freePort(), await freePort()];
      const args = localArgs(
        pod.chartArgs,
        { 'webhook-port': String(webhookPort), 'metrics-port': String(metricsPort), 'webhook-service': '' },
        [
          `--webhook-url=https://127.0.0.1:${webhookPort}`,
          '--webhook-bind-address=127.0.0.1',
          '--metrics-bind-address=127.0.0.1',
        ],
      );
      const operator = start('operator', args, pod);
      await waitReady(operator, `http://127.0.0.1:${metricsPort}/readyz`);
      const admission = adminKubeConfig(env).makeApiClient(AdmissionregistrationV1Api);
      const mutating = await waitFor('the operator to write its MutatingWebhookConfiguration', () =>
        admission.readMutatingWebhookConfiguration({ name: `${RELEASE}-operator` }).catch(() => undefined),
      );
      expect(mutating.webhooks?.[0]?.clientConfig.caBundle).toBeTruthy();
    });

    it('starts the controller from its image as the chart ServiceAccount', async () => {
      const pod = await podEnvironment('controller');
      const port = await freePort();
      const args = localArgs(pod.chartArgs, { port: String(port) }, [
        '--bind-address=127.0.0.1',
        '--cron-jitter=1s',
      ]);
      const controller = start('controller', args, pod);
      await waitReady(controller, `http://127.0.0.1:${port}/readyz`);
    });

    it('completes one update: a newer tag reaches the Deployment and the Image status', async () => {
      const outcome = await completeOneUpdate(env, appNs, {
        repoPrefix: 'images',
        explain: withProgramOutput,
      });
      expect(outcome.ready.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(outcome.updated.result).toBe('Success');
      expect(outcome.deploymentImage).toBe(`${outcome.ref}:1.1.0`);
    });

    it('needed no permission the chart does not grant', () => {
      expect(programs).toHaveLength(2);
      for (const p of programs)
        expect({ program: p.name, forbidden: p.output().match(/.*forbidden.*/gi) ?? [] }).toEqual({
          program: p.name,
          forbidden: [],
        });
    });
  });
});
