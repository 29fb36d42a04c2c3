// ECR through the controller Pod's AWS identity, as on EKS with IRSA: the real AWS SDK reads the web
// identity token file and AWS_ROLE_ARN, calls STS (AWS_ENDPOINT_URL_STS) and ECR GetAuthorizationToken
// (AWS_ENDPOINT_URL_ECR) on loopback fakes, and the real Distribution registry (token mode) accepts only
// the `AWS:<password>` the fake ECR handed out. The registry host is a loopback address, so the Images
// force the provider with spec.cloudAuth: aws, as for an ECR pull-through cache behind a custom name.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startController, type Controller } from '../../../controller/main.js';
import { CloudAuthError, RegistryAuthError, RegistryClient } from '../../../controller/registry/index.js';
import { pushImage } from '../../testenv/images.js';
import { createTestNamespace } from '../../testenv/kube.js';
import type { RunningRegistry } from '../../testenv/registry.js';
import { Cluster, controllerKubeConfig, imageSpec, testLogger } from '../controller/support.js';
import { Accepted, SENTINEL, setEnv, startCloudRegistry, startFakeAws, type FakeAws } from './cloud-fakes.js';
import { startRegistryProxy, type RegistryProxy } from './registry-proxy.js';

const env = inject('testenv');
const cluster = new Cluster(env);
const ROLE = 'arn:aws:iam::123456789012:role/tagpilot-registry';
const WEB_IDENTITY = `eyJhbGciOiJSUzI1NiJ9.projected-service-account-token.${randomBytes(6).toString('hex')}`;
const repo = `team-${randomBytes(3).toString('hex')}/app`;
const logName = `cloud-aws-${randomBytes(3).toString('hex')}`;

const accepted = new Accepted();
let registry: RunningRegistry;
let aws: FakeAws;
let other: RegistryProxy;
let restoreEnv: () => void;
let tokenFile: string;
let controller: Controller | undefined;
let ns: string;

beforeAll(async () => {
  registry = await startCloudRegistry('cloud-aws', env.logDir, accepted);
  for (const tag of ['v1.0.0', 'v1.1.0', 'v2.0.0']) await pushImage(registry.info, repo, tag);
  await pushImage(registry.info, `${repo}-b`, 'v1.0.0');
  // The same registry under a second address: another registry to the client, with its own token.
  other = await startRegistryProxy({ upstream: registry.info.host });
  aws = await startFakeAws(WEB_IDENTITY, accepted);
  tokenFile = join(mkdtempSync(join(tmpdir(), 'tagpilot-irsa-')), 'token');
  writeFileSync(tokenFile, WEB_IDENTITY);
  // What the EKS Pod Identity webhook injects for IRSA, plus the endpoint overrides of the SDK.
  restoreEnv = setEnv({
    AWS_ROLE_ARN: ROLE,
    AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_STS: aws.url,
    AWS_ENDPOINT_URL_ECR: aws.url,
    AWS_CONFIG_FILE: join(tmpdir(), 'no-such-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(tmpdir(), 'no-such-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_PROFILE: undefined,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  ns = await createTestNamespace(env, 'cloud-aws');
});

afterAll(async () => {
  await controller?.stop();
  restoreEnv?.();
  await other?.close();
  await aws?.close();
  await registry?.stop();
});

describe('ECR through the Pod identity (IRSA)', () => {
  it('the registry is private: anonymous listing is refused', async () => {
    const client = new RegistryClient({ maxAttempts: 1 });
    await expect(
      client.listTags(`${registry.info.host}/${repo}`, { cloudAuth: 'none' }),
    ).rejects.toBeInstanceOf(RegistryAuthError);
    await client.close();
  });

  it('the controller lists the tags of a private repository with no Secret in the namespace', async () => {
    controller = await startController({
      kubeConfig: await controllerKubeConfig(env),
      namespaces: [ns],
      ops: false,
      registry: { tagsTtlMs: 1_000, digestTtlMs: 1_000, maxAttempts: 1, timeoutMs: 5_000 },
      cronJitterMs: 500,
      retryBaseMs: 500,
      retryMaxMs: 5_000,
      log: testLogger(env, logName),
    });
    await cluster.createImage(
      ns,
      'app',
      imageSpec(registry.info, repo, { baseTag: 'v1.0.0', cloudAuth: 'aws' }),
    );
    await cluster.createImage(
      ns,
      'app-b',
      imageSpec(registry.info, `${repo}-b`, { baseTag: 'v1.0.0', cloudAuth: 'aws' }),
    );
    const status = await cluster.waitForStatus(ns, 'app', 'v1.1.0 chosen', (s) => s.tag === 'v1.1.0');
    expect(status.result).toBe('Success');
    await cluster.waitForStatus(ns, 'app-b', 'checked', (s) => s.result === 'Success');

    const secrets = await cluster.core.listNamespacedSecret({ namespace: ns });
    expect(secrets.items.filter((s) => s.type === 'kubernetes.io/dockerconfigjson')).toEqual([]);
    // One web identity exchange and one ECR token for both Images and every check since.
    expect(aws.sts).toEqual([ROLE]);
    expect(aws.ecr).toBe(1);
  });

  it('a refused identity: the status names AWS, the role and the permission to check', async () => {
    aws.mode = 'deny';
    try {
      await cluster.createImage(
        ns,
        'denied',
        imageSpec({ ...registry.info, host: other.host }, repo, { baseTag: 'v1.0.0', cloudAuth: 'aws' }),
      );
      const status = await cluster.waitForStatus(
        ns,
        'denied',
        'check failed',
        (s) => s.result === 'PullSecretsError',
      );
      expect(status.message).toContain(
        `ECR registry ${other.host}: GetAuthorizationToken failed for the AWS identity (role ${ROLE} (web identity token file ${tokenFile})): AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/tagpilot/session is not authorized to perform: ecr:GetAuthorizationToken`,
      );
      expect(status.message).toContain(`check that its policy allows ecr:GetAuthorizationToken on "*"`);
      const events = await cluster.core.listNamespacedEvent({
        namespace: ns,
        fieldSelector: 'involvedObject.name=denied',
      });
      expect(events.items.some((e) => e.message?.includes('GetAuthorizationToken failed'))).toBe(true);
    } finally {
      aws.mode = 'ok';
    }
  });

  it('no token reaches a log line, an Event or a status (sentinel)', async () => {
    const log = readFileSync(join(env.logDir, `controller-${logName}.log`), 'utf8');
    expect(log).toContain('registry credentials from the cloud identity');
    const events = await cluster.core.listNamespacedEvent({ namespace: ns });
    const images = await cluster.custom.listNamespacedCustomObject({
      group: 'tagpilot.dev',
      version: 'v1alpha1',
      plural: 'images',
      namespace: ns,
    });
    for (const [what, text] of [
      ['log', log],
      ['events', JSON.stringify(events)],
      ['images', JSON.stringify(images)],
    ] as const) {
      expect(text, what).not.toContain(SENTINEL);
    }
    await controller?.stop();
    controller = undefined;
  });

  it('tokens are reused until shortly before they expire (GetAuthorizationToken counted at the fake)', async () => {
    let clock = Date.now();
    const client = new RegistryClient({ now: () => clock, maxAttempts: 1 });
    const ecrBefore = aws.ecr;
    const stsBefore = aws.sts.length;
    const ref = `${registry.info.host}/${repo}`;
    const listed = await Promise.all(
      Array.from({ length: 5 }, () => client.listTags(ref, { cloudAuth: 'aws' }, { fresh: true })),
    );
    expect([...listed[0]!].sort()).toEqual(['v1.0.0', 'v1.1.0', 'v2.0.0']);
    await client.listTags(`${ref}-b`, { cloudAuth: 'aws' }, { fresh: true });
    expect(aws.ecr - ecrBefore).toBe(1);
    clock += 12 * 3600_000 - 6 * 60_000; // six minutes left of the 12-hour token: reused
    await client.listTags(ref, { cloudAuth: 'aws' }, { fresh: true });
    expect(aws.ecr - ecrBefore).toBe(1);
    clock += 2 * 60_000; // four minutes left: renewed before use
    await client.listTags(ref, { cloudAuth: 'aws' }, { fresh: true });
    expect(aws.ecr - ecrBefore).toBe(2);
    expect(aws.sts.length - stsBefore).toBe(1);
    await client.close();
  });

  it('an expired web identity token: RegistryError naming AWS, the role and what to check', async () => {
    writeFileSync(tokenFile, 'an-expired-projected-token');
    try {
      const client = new RegistryClient({ maxAttempts: 1 });
      const err = await client
        .listTags(`${registry.info.host}/${repo}`, { cloudAuth: 'aws' })
        .catch((e: unknown) => e);
      await client.close();
      expect(err).toBeInstanceOf(CloudAuthError);
      expect((err as Error).message).toBe(
        `ECR registry ${registry.info.host}: the AWS identity (role ${ROLE} (web identity token file ${tokenFile})) could not get credentials: ExpiredTokenException: Token expired: current date/time must be before the expiration date/time; check the ServiceAccount annotation eks.amazonaws.com/role-arn (or the Pod Identity association), the role's trust policy for the cluster's OIDC provider and that the projected token is mounted (docs/registries.md#amazon-ecr)`,
      );
    } finally {
      writeFileSync(tokenFile, WEB_IDENTITY);
    }
  });
});
