// ACR through the controller Pod's Azure identity, as on AKS with Workload Identity: the real
// @azure/identity reads AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID, AZURE_TENANT_ID and
// AZURE_AUTHORITY_HOST and asks a loopback fake of Microsoft Entra ID (HTTPS, trusted through
// NODE_EXTRA_CA_CERTS); the Entra token is exchanged at the registry's /oauth2/exchange (a fake in front
// of the real Distribution registry) for a refresh token that the registry's real token flow accepts.
// The client runs in child processes (cloud-client.ts, and the CLI) because Node reads extra CAs at start.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pushImage } from '../../testenv/images.js';
import type { RunningRegistry } from '../../testenv/registry.js';
import {
  Accepted,
  SENTINEL,
  acrExchange,
  startCloudRegistry,
  startFakeEntra,
  type AcrExchange,
  type FakeEntra,
} from './cloud-fakes.js';
import { startRegistryProxy, type RegistryProxy } from './registry-proxy.js';

const env = inject('testenv');
const root = resolve(import.meta.dirname, '../../..');
const CLIENT_ID = '5f0c3f2e-1d7a-4c55-9a61-2b7de0f1a111';
const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const FEDERATED = `eyJhbGciOiJSUzI1NiJ9.aks-projected-token.${randomBytes(6).toString('hex')}`;
const repo = `team-${randomBytes(3).toString('hex')}/api`;

const accepted = new Accepted();
let registry: RunningRegistry;
let entra: FakeEntra;
let exchange: AcrExchange;
let acr: RegistryProxy;
let acrOther: RegistryProxy;
let childEnv: NodeJS.ProcessEnv;
let tokenFile: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done) => {
    const child = execFile(
      file,
      args,
      { encoding: 'utf8', env: { ...childEnv, ...extraEnv }, timeout: 60_000, cwd: root },
      (_err, stdout, stderr) => done({ code: child.exitCode, stdout, stderr }),
    );
  });
}

type Result = { tags: string[] } | { error: { name: string; message: string } };

async function client(
  steps: unknown[],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ results: Result[]; run: Run }> {
  const r = await run(
    process.execPath,
    ['--import', 'tsx', 'test/integration/registry/cloud-client.ts', JSON.stringify(steps)],
    extraEnv,
  );
  if (r.code !== 0) throw new Error(`cloud-client exited ${r.code}: ${r.stderr.slice(-2000)}`);
  return { results: JSON.parse(r.stdout) as Result[], run: r };
}

beforeAll(async () => {
  registry = await startCloudRegistry('cloud-azure', env.logDir, accepted);
  for (const tag of ['1.0.0', '1.1.0']) await pushImage(registry.info, repo, tag);
  entra = await startFakeEntra(FEDERATED);
  exchange = acrExchange(entra, accepted);
  acr = await startRegistryProxy({ upstream: registry.info.host, handle: exchange.handle });
  acrOther = await startRegistryProxy({ upstream: registry.info.host, handle: exchange.handle });
  const dir = mkdtempSync(join(tmpdir(), 'tagpilot-azwi-'));
  tokenFile = join(dir, 'azure-identity-token');
  writeFileSync(tokenFile, FEDERATED);
  const ca = join(dir, 'entra-ca.pem');
  writeFileSync(ca, entra.caPem);
  // What the Azure Workload Identity webhook injects, with the authority pointed at the fake.
  childEnv = {
    ...process.env,
    AZURE_CLIENT_ID: CLIENT_ID,
    AZURE_TENANT_ID: TENANT_ID,
    AZURE_FEDERATED_TOKEN_FILE: tokenFile,
    AZURE_AUTHORITY_HOST: entra.url,
    NODE_EXTRA_CA_CERTS: ca,
  };
});

afterAll(async () => {
  await acr?.close();
  await acrOther?.close();
  await entra?.close();
  await registry?.stop();
});

describe('ACR through the Pod identity (AKS Workload Identity)', () => {
  it('lists a private repository: one Entra token and one exchange for every listing and repository', async () => {
    const { results, run: r } = await client([
      { ref: `${acr.host}/${repo}`, cloudAuth: 'azure', times: 4 },
      { ref: `${acr.host}/${repo}`, cloudAuth: 'none' },
    ]);
    expect(results.slice(0, 4)).toEqual(Array(4).fill({ tags: ['1.0.0', '1.1.0'] }));
    // Without the identity the real registry refuses: the credential is really checked.
    expect(results[4]).toMatchObject({ error: { name: 'RegistryAuthError' } });
    expect(entra.tokenRequests).toEqual([CLIENT_ID]);
    expect(exchange.exchanges).toBe(1);
    expect(r.stderr).toContain('registry credentials from the cloud identity');
    expect(r.stdout + r.stderr).not.toContain(SENTINEL);
  });

  it('renews the ACR refresh token shortly before it expires, not before', async () => {
    const before = exchange.exchanges;
    exchange.lifetimeSeconds = 4; // renewed after half its life for so short a token
    try {
      const { results, run: r } = await client([
        { ref: `${acrOther.host}/${repo}`, cloudAuth: 'azure', times: 3 },
        { sleepMs: 3_000 },
        { ref: `${acrOther.host}/${repo}`, cloudAuth: 'azure' },
      ]);
      expect(results).toEqual(Array(4).fill({ tags: ['1.0.0', '1.1.0'] }));
      expect(exchange.exchanges - before).toBe(2);
      expect(r.stdout + r.stderr).not.toContain(SENTINEL);
    } finally {
      exchange.lifetimeSeconds = 3 * 3600;
    }
  });

  it('`tagpilot tags --cloud-auth azure` uses the same chain', async () => {
    const r = await run(resolve(root, 'bin/tagpilot'), [
      'tags',
      `${acr.host}/${repo}`,
      '--cloud-auth',
      'azure',
    ]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n').sort()).toEqual(['1.0.0', '1.1.0']);
    expect(r.code).toBe(0);
  });

  it('a refused identity: RegistryError naming Azure, the client id and what to check', async () => {
    // A projected token Entra ID does not accept (the federated credential names another subject).
    const stale = join(mkdtempSync(join(tmpdir(), 'tagpilot-azwi-')), 'azure-identity-token');
    writeFileSync(stale, 'eyJhbGciOiJSUzI1NiJ9.another-subject.sig');
    const { results, run: r } = await client([{ ref: `${acr.host}/${repo}`, cloudAuth: 'azure' }], {
      AZURE_FEDERATED_TOKEN_FILE: stale,
    });
    const [result] = results;
    expect(result).toMatchObject({ error: { name: 'CloudAuthError' } });
    const message = (result as { error: { message: string } }).error.message;
    expect(message).toContain(
      `ACR registry ${acr.host}: Microsoft Entra ID refused the Azure identity (workload identity client id ${CLIENT_ID} in tenant ${TENANT_ID})`,
    );
    expect(message).toContain(
      'check the ServiceAccount annotation azure.workload.identity/client-id, the Pod label azure.workload.identity/use: "true" and the identity\'s federated credential for this ServiceAccount (docs/registries.md#azure-container-registry)',
    );
    expect(r.stdout + r.stderr).not.toContain(SENTINEL);
  });
});
