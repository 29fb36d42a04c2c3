import { describe, expect, it } from 'vitest';
import { CloudCredentials, reuseFor } from './chain.js';
import type { CloudTarget } from './hosts.js';
import { CloudAuthError, NoCloudIdentity, type CloudSource, type RegistryEndpoint } from './source.js';

const endpoint = {} as RegistryEndpoint;
const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';

/** A cloud whose answers the test scripts; counts calls and lets a call hang until released. */
function scripted(
  answer: (n: number, target: CloudTarget) => Promise<{ password: string; lifetimeMs: number }>,
) {
  let calls = 0;
  let clock = 0;
  const source: CloudSource = {
    async token(target) {
      const n = ++calls;
      const { password, lifetimeMs } = await answer(n, target);
      return { credentials: { username: 'AWS', password }, expiresAt: clock + lifetimeMs };
    },
  };
  return {
    source,
    calls: () => calls,
    now: () => clock,
    advance: (ms: number) => (clock += ms),
  };
}

describe('CloudCredentials', () => {
  it('coalesces concurrent requests and reuses the token until shortly before it expires', async () => {
    const cloud = scripted(async (n) => ({ password: `p${n}`, lifetimeMs: 12 * 3600_000 }));
    const chain = new CloudCredentials({ now: cloud.now, sources: { aws: cloud.source } });
    const all = await Promise.all(
      Array.from({ length: 20 }, () => chain.credentialsFor(ECR, 'auto', endpoint)),
    );
    expect(new Set(all.map((c) => c?.password))).toEqual(new Set(['p1']));
    expect(cloud.calls()).toBe(1);
    cloud.advance(12 * 3600_000 - 6 * 60_000); // six minutes left: still reused
    expect((await chain.credentialsFor(ECR, 'auto', endpoint))?.password).toBe('p1');
    cloud.advance(2 * 60_000); // four minutes left: renewed
    expect((await chain.credentialsFor(ECR, 'auto', endpoint))?.password).toBe('p2');
    expect(cloud.calls()).toBe(2);
  });

  it('renews a short-lived token at half its lifetime', () => {
    expect(reuseFor(3600_000)).toBe(55 * 60_000);
    expect(reuseFor(4_000)).toBe(2_000);
  });

  it('auto stays anonymous in a Pod without the identity, and remembers that for a while', async () => {
    const cloud = scripted(async () => {
      throw new NoCloudIdentity('no web identity token');
    });
    const chain = new CloudCredentials({ now: cloud.now, sources: { aws: cloud.source } });
    expect(await chain.credentialsFor(ECR, undefined, endpoint)).toBeUndefined();
    expect(await chain.credentialsFor(ECR, 'auto', endpoint)).toBeUndefined();
    expect(cloud.calls()).toBe(1);
  });

  it('a forced cloud without its identity is an error that says how to fix it', async () => {
    const cloud = scripted(async () => {
      throw new NoCloudIdentity('no web identity token');
    });
    const chain = new CloudCredentials({ now: cloud.now, sources: { aws: cloud.source } });
    const err = await chain.credentialsFor('cache.internal', 'aws', endpoint).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudAuthError);
    expect((err as Error).message).toBe(
      'registry cache.internal: cloudAuth is "aws" but the controller Pod has no AWS identity (no web identity token); set up the identity (docs/registries.md) or use cloudAuth "auto" or "none"',
    );
  });

  it('a refused identity fails, and the failure is shared for a short while instead of asked again', async () => {
    const cloud = scripted(async () => {
      throw new CloudAuthError('refused: role arn:aws:iam::123456789012:role/x');
    });
    const chain = new CloudCredentials({ now: cloud.now, sources: { aws: cloud.source } });
    await expect(chain.credentialsFor(ECR, 'auto', endpoint)).rejects.toThrow('refused: role');
    await expect(chain.credentialsFor(ECR, 'auto', endpoint)).rejects.toThrow('refused: role');
    expect(cloud.calls()).toBe(1);
    cloud.advance(31_000);
    await expect(chain.credentialsFor(ECR, 'auto', endpoint)).rejects.toThrow('refused: role');
    expect(cloud.calls()).toBe(2);
  });

  it('ECR Public falls back to anonymous pulls when the identity is refused in auto mode', async () => {
    const cloud = scripted(async () => {
      throw new CloudAuthError('AccessDenied');
    });
    const chain = new CloudCredentials({ now: cloud.now, sources: { aws: cloud.source } });
    expect(await chain.credentialsFor('public.ecr.aws', 'auto', endpoint)).toBeUndefined();
    await expect(chain.credentialsFor('public.ecr.aws', 'aws', endpoint)).rejects.toThrow('AccessDenied');
  });

  it('asks no cloud for other hosts or with none', async () => {
    const cloud = scripted(async (n) => ({ password: `p${n}`, lifetimeMs: 3600_000 }));
    const chain = new CloudCredentials({ now: cloud.now, sources: { aws: cloud.source } });
    expect(await chain.credentialsFor('ghcr.io', 'auto', endpoint)).toBeUndefined();
    expect(await chain.credentialsFor(ECR, 'none', endpoint)).toBeUndefined();
    expect(cloud.calls()).toBe(0);
  });
});
