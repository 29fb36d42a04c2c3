import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Image } from '../../crds/index.js';
import { imageErrors } from '../../domain/image/validate.js';
import type * as Validate from '../../domain/image/validate.js';
import type { KubeWrites } from './kube-writes.js';
import { FakeCache, fakeCaches } from './cache.fakes.js';
import { Reconcilers } from './reconcilers.js';

// Counts validations; the real validator still runs.
vi.mock('../../domain/image/validate.js', async (importOriginal) => {
  const real = await importOriginal<typeof Validate>();
  return { ...real, imageErrors: vi.fn(real.imageErrors) };
});

function image(resourceVersion: string, generation: number, result?: 'Success' | 'RegistryError'): Image {
  return {
    apiVersion: 'tagpilot.dev/v1alpha1',
    kind: 'Image',
    metadata: { name: 'web', namespace: 'team', uid: 'u-1', resourceVersion, generation },
    spec: {
      image: 'ghcr.io/acme/web',
      triggers: [{ type: 'crontab', value: '@hourly' }],
      rules: [{ type: 'semver-minor', actions: [{ type: 'apply' }] }],
    },
    ...(result ? { status: { result, message: result } } : {}),
  };
}

let reconcilers: Reconcilers | undefined;
afterEach(async () => {
  await reconcilers?.stop();
  vi.mocked(imageErrors).mockClear();
});

describe('Reconcilers', () => {
  it('validates a spec once per generation, and reconciles no update that changed nothing it reads', async () => {
    const images = new FakeCache<Image>();
    const applied: object[] = [];
    const writes = {
      applyStatus: (_k: unknown, _r: unknown, s: object) => void applied.push(s),
      event: async () => {},
    };
    reconcilers = new Reconcilers({
      caches: fakeCaches(images),
      writes: writes as unknown as KubeWrites,
      log: pino({ level: 'silent' }),
    });
    reconcilers.watch();
    reconcilers.start();
    const settle = () => new Promise((r) => setTimeout(r, 200));

    images.put(image('1', 1));
    await vi.waitFor(() => expect(applied).toHaveLength(1));
    expect(imageErrors).toHaveBeenCalledTimes(1);

    // The controller's check: a new status, same spec. Ready turns False; no new validation.
    images.put(image('2', 1, 'RegistryError'));
    await vi.waitFor(() => expect(applied).toHaveLength(2));
    expect(imageErrors).toHaveBeenCalledTimes(1);

    // Only the resourceVersion moved (fields the cache drops changed): nothing to do.
    images.put(image('3', 1, 'RegistryError'));
    await settle();
    expect(applied).toHaveLength(2);
    expect(imageErrors).toHaveBeenCalledTimes(1);

    // A spec change (new generation) is validated again.
    images.put(image('4', 2, 'RegistryError'));
    await vi.waitFor(() => expect(applied).toHaveLength(3));
    expect(imageErrors).toHaveBeenCalledTimes(2);
  });
});
