// `make run`: Tagpilot's programs in this process against the current kubeconfig, or (with --embedded) an
// embedded local cluster + registries first. Installs the CRDs from crds/*.yaml, then runs
// tagpilot-controller and, when operator/main.ts exports startOperator, tagpilot-operator, until Ctrl-C.
//
// Ports (override with the variables): controller /metrics /healthz /readyz /v1/hooks on
// TAGPILOT_CONTROLLER_PORT (8080); operator /metrics on TAGPILOT_OPERATOR_METRICS_PORT (8081) and its
// admission webhooks on TAGPILOT_OPERATOR_WEBHOOK_PORT (9443), registered at TAGPILOT_WEBHOOK_URL
// (default https://127.0.0.1:<port>: right for the embedded cluster; a remote apiserver needs an address it
// can reach, and the default failure policy Ignore keeps a webhook it cannot reach from blocking writes).
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { errorMessage } from '../common/errors.js';
import { loadKubeConfig } from '../common/kube.js';
import { createLogger } from '../common/logger.js';
import { collectProcessMetrics } from '../common/metrics.js';
import { startController } from '../controller/main.js';
import { hookSecretsProvider } from '../controller/triggers/index.js';
import { installCRDsWith } from '../test/testenv/crds.js';
import { startEnvironment, type Environment } from '../test/testenv/environment.js';

const embedded = process.argv.includes('--embedded');
const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const stops: (() => Promise<void>)[] = [];

let env: Environment | undefined;
let kubeConfig: KubeConfig;
if (embedded) {
  env = await startEnvironment({ log: (m) => console.error(`[tagpilot] ${m}`) });
  stops.push(() => env!.stop());
  const home = resolve('.tagpilot');
  mkdirSync(home, { recursive: true });
  const kubeconfig = join(home, 'kubeconfig');
  copyFileSync(env.info.kubeconfig, kubeconfig);
  kubeConfig = loadKubeConfig({ kubeconfig });
  const { anonymous, basic, token } = env.info.registries;
  console.log(
    [
      '',
      'Embedded cluster and registries are running.',
      `  export KUBECONFIG=${kubeconfig}`,
      `  registry (anonymous):      ${anonymous.host}`,
      `  registry (basic auth):     ${basic.host}  user ${basic.username}`,
      `  registry (token auth):     ${token.host}  user ${token.username}`,
      `  logs:                      ${env.info.logDir}`,
      '',
    ].join('\n'),
  );
} else {
  kubeConfig = loadKubeConfig();
  console.error(`[tagpilot] using the current kubeconfig context "${kubeConfig.getCurrentContext()}"`);
}

let stopping = false;
const stopAll = async (code: number) => {
  if (stopping) return;
  stopping = true;
  console.error('[tagpilot] stopping...');
  for (const stop of stops.reverse())
    await stop().catch((err: unknown) => console.error(`[tagpilot] ${errorMessage(err)}`));
  process.exit(code);
};
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {
  collectProcessMetrics();
  console.error('[tagpilot] installing the CRDs from crds/*.yaml');
  await installCRDsWith(kubeConfig);

  const controllerPort = port('TAGPILOT_CONTROLLER_PORT', 8080);
  const log = createLogger('tagpilot-controller');
  const controller = await startController({
    kubeConfig,
    ops: { host: '127.0.0.1', port: controllerPort },
    hookSecrets: hookSecretsProvider({ logger: log }),
    dryRun: /^(1|true)$/i.test(process.env.TAGPILOT_DRY_RUN ?? ''),
    log,
  });
  stops.push(() => controller.stop());
  console.error(
    `[tagpilot] controller: http://127.0.0.1:${controller.port}/metrics, /readyz, /v1/hooks/<source>`,
  );

  // The operator lands with its own issue; run it when its entry point exists.
  const operatorModule = '../operator/main.js';
  const operator = (await import(operatorModule).catch(() => undefined)) as
    { startOperator?: (opts: Record<string, unknown>) => Promise<{ stop(): Promise<void> }> } | undefined;
  if (typeof operator?.startOperator === 'function') {
    const namespace = process.env.TAGPILOT_NAMESPACE ?? 'tagpilot-system';
    await kubeConfig
      .makeApiClient(CoreV1Api)
      .createNamespace({ body: { metadata: { name: namespace } } })
      .catch((err: unknown) => {
        if ((err as { code?: number }).code !== 409) throw err;
      });
    const webhookPort = port('TAGPILOT_OPERATOR_WEBHOOK_PORT', 9443);
    const running = await operator.startOperator({
      kubeConfig,
      log: createLogger('tagpilot-operator'),
      namespace,
      webhookBindAddress: '127.0.0.1',
      webhookPort,
      metricsBindAddress: '127.0.0.1',
      metricsPort: port('TAGPILOT_OPERATOR_METRICS_PORT', 8081),
      webhookEndpoint: { url: process.env.TAGPILOT_WEBHOOK_URL ?? `https://127.0.0.1:${webhookPort}` },
      leaderElect: false,
    });
    stops.push(() => running.stop());
    console.error(`[tagpilot] operator: admission webhooks on https://127.0.0.1:${webhookPort}`);
  } else {
    console.error('[tagpilot] operator: not started (operator/main.ts does not export startOperator yet)');
  }
  if (env) {
    // The demo (hack/demo.ts): a Deployment, an Image following it, a newer tag pushed, the update shown.
    const { runDemo } = await import('./demo.js');
    await runDemo({
      kubeconfig: kubeConfig,
      registry: env.info.registries.anonymous,
      log: (l) => console.error(l),
    }).catch((err: unknown) => console.error(`[tagpilot] demo: ${errorMessage(err)}`));
    console.log(
      `\nStill running. In another terminal:\n  export KUBECONFIG=${resolve('.tagpilot/kubeconfig')}\n  kubectl get images -A\n`,
    );
  }
  console.error('[tagpilot] running; press Ctrl-C to stop everything.');
  setInterval(() => undefined, 1 << 30);
} catch (err) {
  console.error(`[tagpilot] could not start: ${errorMessage(err)}`);
  await stopAll(1);
}
