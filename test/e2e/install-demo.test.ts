// The `make run` demo (hack/demo.ts) against the real control plane and registry, with the controller
// running as in `make run`: it must drive one visible update from 1.0.0 to 1.1.0 and say so.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startController, type Controller } from '../../controller/main.js';
import { runDemo } from '../../hack/demo.js';
import { installCRDs } from '../testenv/crds.js';
import { adminKubeConfig } from '../testenv/kube.js';
import { testLogger } from '../integration/controller/support.js';

const env = inject('testenv');
let controller: Controller | undefined;

afterAll(async () => {
  await controller?.stop();
});

describe('make run demo', () => {
  it('pushes a newer tag and shows the Deployment being updated', async () => {
    await installCRDs(env);
    const namespace = `demo-${randomBytes(3).toString('hex')}`;
    controller = await startController({
      kubeConfig: adminKubeConfig(env),
      namespaces: [namespace],
      ops: { host: '127.0.0.1', port: 0 },
      cronJitterMs: 500,
      log: testLogger(env, 'install-demo'),
    });
    const lines: string[] = [];
    const result = await runDemo({
      kubeconfig: env.kubeconfig,
      registry: env.registries.anonymous,
      namespace,
      log: (l) => lines.push(l),
    });
    expect(result).toEqual({
      namespace,
      image: `${env.registries.anonymous.host}/${namespace}/web`,
      from: '1.0.0',
      to: '1.1.0',
    });
    const text = lines.join('\n');
    // The progress a user sees, in order.
    const steps = [
      /pushing .*:1\.0\.0/,
      /tag 1\.0\.0, result Success/,
      /pushing .*:1\.1\.0/,
      /tag 1\.1\.0, result Success/,
      /Deployment .*\/web: image .*:1\.1\.0/,
      /rolled out .*:1\.1\.0/,
    ];
    let at = 0;
    for (const step of steps) {
      const found = lines.findIndex((l, i) => i >= at && step.test(l));
      expect({ step: String(step), found: found >= 0, text }).toMatchObject({
        step: String(step),
        found: true,
      });
      at = found;
    }
  });
});
