// Regex bombs against the real controller program: Images whose rule (or tagFilter) is `^(a+)+$`, on a
// repository with 33- and 40-character `aaa…a_` tags, refreshed again and again. V8's backtracking engine
// froze the event loop for minutes on one such tag; on RE2 the controller keeps answering /healthz and
// serves a healthy Image's manual refresh, and the bomb Images get a correct decision.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REFRESH_ANNOTATION } from '../../../crds/index.js';
import { startControllerProcess, type ControllerProcess } from '../../testenv/controller-process.js';
import { pushImage, pushTags } from '../../testenv/images.js';
import { createTestNamespace } from '../../testenv/kube.js';
import { Cluster, controllerKubeConfig, imageSpec } from '../../integration/controller/support.js';

const env = inject('testenv');
const anon = env.registries.anonymous;
const cluster = new Cluster(env);
const BOMB = '^(a+)+$';
const uid = () => randomBytes(3).toString('hex');

let ns: string;
let controller: ControllerProcess | undefined;

beforeAll(async () => {
  ns = await createTestNamespace(env, 'hostile-regex');
  controller = await startControllerProcess(env, {
    name: `regex-${ns}`,
    kubeConfig: await controllerKubeConfig(env),
    namespaces: [ns],
    args: ['--registry-cache-ttl=1s', '--cron-jitter=0s'],
  });
});

afterAll(async () => {
  await controller?.stop();
});

const refresh = (name: string, value: string) =>
  cluster.patchImage(ns, name, { metadata: { annotations: { [REFRESH_ANNOTATION]: value } } });

describe('regex bombs', () => {
  it('keep /healthz under 1 s and a healthy refresh under 5 s, and decide correctly', async () => {
    const bombRepo = `hostile-${uid()}/bomb`;
    await pushTags(anon, bombRepo, ['a', 'aa', 'aaa', `${'a'.repeat(32)}_`, `${'a'.repeat(39)}_`]);
    const healthyRepo = `hostile-${uid()}/healthy`;
    await pushImage(anon, healthyRepo, 'v1.0.0');

    // No workload uses these repositories: apply has nothing to do and says so.
    await cluster.createImage(ns, 'bomb-rule', {
      ...imageSpec(anon, bombRepo, { rule: 'regex', baseTag: 'a' }),
      rules: [{ type: 'regex', value: BOMB, actions: [{ type: 'apply' }] }],
    });
    await cluster.createImage(ns, 'bomb-exclude', {
      ...imageSpec(anon, bombRepo, { rule: 'alphabetical', baseTag: 'a' }),
      tagFilter: { exclude: [BOMB] },
    });
    await cluster.createImage(ns, 'bomb-include', {
      ...imageSpec(anon, bombRepo, { rule: 'alphabetical', baseTag: 'a' }),
      tagFilter: { include: BOMB },
    });
    await cluster.createImage(
      ns,
      'healthy',
      imageSpec(anon, healthyRepo, {
        baseTag: 'v1.0.0',
        triggers: [{ type: 'crontab', value: '@every 1h' }],
      }),
    );
    await cluster.waitForStatus(ns, 'healthy', 'first check', (s) => s.result === 'Success');

    // Probe /healthz every 100 ms for the whole test; the slowest answer is the finding.
    let slowest = 0;
    let failures = 0;
    let probing = true;
    const probe = (async () => {
      for (let i = 0; probing && i < 2_000; i++) {
        const started = performance.now();
        const res = await fetch(`${controller!.url}/healthz`, { signal: AbortSignal.timeout(5_000) }).catch(
          () => undefined,
        );
        if (res?.status !== 200) failures++;
        slowest = Math.max(slowest, performance.now() - started);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    try {
      // Trigger the bombs repeatedly, each refresh a fresh registry read and a fresh decision.
      for (let round = 0; round < 8; round++) {
        await Promise.all(['bomb-rule', 'bomb-exclude', 'bomb-include'].map((n) => refresh(n, `r${round}`)));
        await new Promise((r) => setTimeout(r, 400));
      }

      // A healthy Image's manual refresh, while the bombs are being evaluated.
      await pushImage(anon, healthyRepo, 'v1.1.0');
      await Promise.all(['bomb-rule', 'bomb-exclude', 'bomb-include'].map((n) => refresh(n, 'last')));
      const asked = performance.now();
      await refresh('healthy', 'now');
      await cluster.waitForStatus(
        ns,
        'healthy',
        'v1.1.0 after the refresh',
        (s) => s.tag === 'v1.1.0',
        30_000,
      );
      expect(performance.now() - asked).toBeLessThan(5_000);
    } finally {
      probing = false;
      await probe;
    }
    expect(failures).toBe(0);
    expect(slowest).toBeLessThan(1_000);

    // Correct decisions: the rule matches only the all-a tags (aaa is the highest); the exclude keeps
    // only the `…_` tags (the 40-character one is the highest in text order); the include only a's.
    const rule = await cluster.waitForStatus(ns, 'bomb-rule', 'decided', (s) => s.tag === 'aaa');
    expect(rule.result).toBe('Success');
    const exclude = await cluster.waitForStatus(ns, 'bomb-exclude', 'decided', (s) => s.result === 'Success');
    expect(exclude.tag).toBe(`${'a'.repeat(39)}_`);
    const include = await cluster.waitForStatus(ns, 'bomb-include', 'decided', (s) => s.result === 'Success');
    expect(include.tag).toBe('aaa');
  });
});
