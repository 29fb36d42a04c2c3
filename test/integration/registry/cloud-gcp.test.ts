// Artifact Registry / GCR through the controller Pod's Google identity, as on GKE with Workload
// Identity: the real google-auth-library finds the metadata server at GCE_METADATA_HOST (a loopback fake)
// and the access token is the password of `oauth2accesstoken`, which the real Distribution registry's
// token flow accepts only if the fake issued it.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CloudAuthError, RegistryClient } from '../../../controller/registry/index.js';
import { pushImage, type PushResult } from '../../testenv/images.js';
import type { RunningRegistry } from '../../testenv/registry.js';
import { Accepted, SENTINEL, setEnv, startCloudRegistry, startFakeGcp, type FakeGcp } from './cloud-fakes.js';

const env = inject('testenv');
const bin = resolve(import.meta.dirname, '../../../bin/tagpilot');
const repo = `acme-prod-${randomBytes(3).toString('hex')}/images/web`;

const accepted = new Accepted();
let registry: RunningRegistry;
let gcp: FakeGcp;
let restoreEnv: () => void;
let pushed: PushResult;
const lines: string[] = [];
const logger = pino(
  { level: 'debug' },
  new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  }),
);

beforeAll(async () => {
  registry = await startCloudRegistry('cloud-gcp', env.logDir, accepted);
  pushed = await pushImage(registry.info, repo, '2.0.0');
  await pushImage(registry.info, repo, '2.1.0');
  gcp = await startFakeGcp(accepted);
  restoreEnv = setEnv({
    GCE_METADATA_HOST: gcp.host,
    GOOGLE_APPLICATION_CREDENTIALS: undefined,
    // No gcloud application-default file may be found instead of the metadata server.
    CLOUDSDK_CONFIG: mkdtempSync(join(tmpdir(), 'tagpilot-gcloud-')),
  });
});

afterAll(async () => {
  restoreEnv?.();
  await gcp?.close();
  await registry?.stop();
});

describe('Artifact Registry / GCR through the Pod identity (GKE Workload Identity)', () => {
  it('lists a private repository with one access token for every listing', async () => {
    const client = new RegistryClient({ logger, maxAttempts: 1 });
    const ref = `${registry.info.host}/${repo}`;
    const all = await Promise.all(
      Array.from({ length: 5 }, () => client.listTags(ref, { cloudAuth: 'gcp' }, { fresh: true })),
    );
    expect(all.map((t) => [...t].sort())).toEqual(Array(5).fill(['2.0.0', '2.1.0']));
    expect(await client.getDigest(ref, '2.0.0', { cloudAuth: 'gcp' })).toBe(pushed.digest);
    expect(gcp.tokens).toBe(1);
    await client.close();
  });

  it('`tagpilot digest --cloud-auth gcp` uses the same chain, and `none` does not', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
        const child = execFile(
          bin,
          args,
          { encoding: 'utf8', env: process.env, timeout: 60_000 },
          (_e, stdout, stderr) => done({ code: child.exitCode, stdout, stderr }),
        );
      });
    const ok = await run(['digest', `${registry.info.host}/${repo}:2.0.0`, '--cloud-auth', 'gcp']);
    expect(ok).toMatchObject({ code: 0, stdout: `${pushed.digest}\n`, stderr: '' });
    const anonymous = await run(['digest', `${registry.info.host}/${repo}:2.0.0`, '--cloud-auth', 'none']);
    expect(anonymous.code).not.toBe(0);
    expect(anonymous.stderr).toContain('refused an anonymous token');
    expect(ok.stdout + ok.stderr + anonymous.stderr).not.toContain(SENTINEL);
  });

  it('a refused identity: RegistryError naming Google Cloud, the service account and what to check', async () => {
    gcp.mode = 'refuse';
    try {
      const client = new RegistryClient({ logger, maxAttempts: 1 });
      const err = await client
        .listTags(`${registry.info.host}/${repo}`, { cloudAuth: 'gcp' })
        .catch((e: unknown) => e);
      await client.close();
      expect(err).toBeInstanceOf(CloudAuthError);
      const message = (err as Error).message;
      expect(message).toContain(
        `Google registry ${registry.info.host}: the Google Cloud identity (service account ${gcp.email}) could not get an access token:`,
      );
      expect(message).toContain("Permission 'iam.serviceAccounts.getAccessToken' denied");
      expect(message).toContain(
        'check the ServiceAccount annotation iam.gke.io/gcp-service-account, that the Kubernetes ServiceAccount may impersonate it (roles/iam.workloadIdentityUser)',
      );
    } finally {
      gcp.mode = 'ok';
    }
  });

  it('no token reaches a log line (sentinel)', () => {
    const log = lines.join('');
    expect(log).toContain('registry credentials from the cloud identity');
    expect(log).not.toContain(SENTINEL);
  });
});
