import { describe, expect, it } from 'vitest';
import { ImageMetrics, imageLastResult, imageLastSuccess } from './image-metrics.js';

async function series(ns: string) {
  const results = (await imageLastResult.get()).values.filter((v) => v.labels.namespace === ns);
  const successes = (await imageLastSuccess.get()).values.filter((v) => v.labels.namespace === ns);
  return {
    results: results.map((v) => `${v.labels.name}=${v.labels.result}:${v.value}`).sort(),
    successes: successes.map((v) => `${v.labels.name}:${v.value}`).sort(),
  };
}

describe('per-Image metrics', () => {
  const t1 = new Date('2030-01-01T00:00:00Z');
  const t2 = new Date('2030-01-01T01:00:00Z');

  it('keeps one result series per Image and the time of the last success', async () => {
    const m = new ImageMetrics();
    m.record('m1/web', 'Success', t1);
    m.record('m1/web', 'RegistryError', t2);
    m.record('m1/api', 'RegistryError', t2);
    expect(await series('m1')).toEqual({
      results: ['api=RegistryError:1', 'web=RegistryError:1'],
      successes: [`web:${t1.getTime() / 1000}`],
    });
    m.record('m1/web', 'Success', t2);
    expect((await series('m1')).results).toEqual(['api=RegistryError:1', 'web=Success:1']);
    expect((await series('m1')).successes).toEqual([`web:${t2.getTime() / 1000}`]);
  });

  it('leaves the series alone for evaluations that checked nothing', async () => {
    const m = new ImageMetrics();
    m.record('m2/web', 'TagsError', t1);
    m.record('m2/web', 'Skipped', t2);
    m.record('m2/web', 'ApiUnavailable', t2);
    expect((await series('m2')).results).toEqual(['web=TagsError:1']);
  });

  it('removes an Image series when it is deleted, and all of them when leadership ends', async () => {
    const m = new ImageMetrics();
    m.record('m3/web', 'Success', t1);
    m.record('m3/api', 'Success', t1);
    m.forget('m3/web');
    expect(await series('m3')).toEqual({
      results: ['api=Success:1'],
      successes: [`api:${t1.getTime() / 1000}`],
    });
    m.forgetAll();
    expect(await series('m3')).toEqual({ results: [], successes: [] });
  });
});
