// `make run`: Tagpilot's programs in this process against the current kubeconfig, or (with --embedded) an
// embedded local cluster + registries first. Installs the CRDs from crds/*.yaml, then runs
// tagpilot-controller and tagpilot-operator until Ctrl-C.
//
// Ports (override with the variables, listed by hack/run-help.ts): controller /metrics /healthz /readyz
// /v1/hooks on TAGPILOT_CONTROLLER_PORT (8080); operator /metrics on TAGPILOT_OPERATOR_METRICS_PORT (8081)
// and its admission webhooks on TAGPILOT_OPERATOR_WEBHOOK_PORT (9443), registered at TAGPILOT_WEBHOOK_URL
// (default https://127.0.0.1:<port>: right for the embedded cluster; a remote apiserver needs an address it
// can reach, and the default failure policy Ignore keeps a webhook it cannot reach from blocking writes).
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { errorMessage } from '../common/errors.js';
import { loadKubeConfig } from '../common/kube.js';
import { createLogger } from '../common/logger.js';
import { collectProcessMetrics } from '../common/metrics.js';
import { startController } from '../controller/main.js';
import { hookSecretsProvider } from '../controller/triggers/index.js';
import { startOperator } from '../operator/main.js';
import { startEnvironment, type Environment } from '../test/testenv/environment.js';
import { installTools } from './install-tools.js';
import { EMBEDDED_HELM_RELEASE, installRunCRDs } from './run-crds.js';
import { assertPortsFree, embeddedBanner, portInUseMessage, runPorts, type RunPorts } from './run-help.js';

const embedded = process.argv.includes('--embedded');
const stops: (() => Promise<void>)[] = [];
const DISTRIBUTION_SECRET_ENV = 'TAGPILOT_HOOK_SECRET_DISTRIBUTION';

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

let ports: RunPorts;
try {
  ports = runPorts();
  await assertPortsFree(ports);
} catch (err) {
  console.error(`[tagpilot] could not start: ${errorMessage(err)}`);
  process.exit(2);
}

let env: Environment | undefined;
let kubeConfig: KubeConfig;
const home = resolve('.tagpilot');
try {
  if (embedded) {
    const started = Date.now();
    env = await startEnvironment({ log: (m) => console.error(`[tagpilot] ${m}`) });
    stops.push(() => env!.stop());
    mkdirSync(home, { recursive: true });
    copyFileSync(env.info.kubeconfig, join(home, 'kubeconfig'));
    kubeConfig = loadKubeConfig({ kubeconfig: join(home, 'kubeconfig') });
    console.error(`[tagpilot] embedded cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } else {
    kubeConfig = loadKubeConfig();
    console.error(`[tagpilot] using the current kubeconfig context "${kubeConfig.getCurrentContext()}"`);
  }
  // The kubectl and helm the printed instructions and docs use.
  const toolsDir = installTools();

  collectProcessMetrics();
  console.error(
    '[tagpilot] installing the CRDs from crds/*.yaml (server-side apply, field manager "tagpilot")',
  );
  // On the embedded cluster, as `helm install tagpilot -n tagpilot-system` would own them, so that
  // command works right after this one (docs/development.md, "Working with the embedded cluster").
  await installRunCRDs(kubeConfig, embedded);

  // The embedded registries' push notifications reach the controller's Distribution receiver, which
  // needs a secret; a local one is made up unless one is configured.
  const hookEnv = { ...process.env };
  if (env && !hookEnv[DISTRIBUTION_SECRET_ENV] && !hookEnv.TAGPILOT_HOOK_SECRET)
    hookEnv[DISTRIBUTION_SECRET_ENV] = randomBytes(16).toString('hex');
  const log = createLogger('tagpilot-controller');
  const controller = await startController({
    kubeConfig,
    ops: { host: '127.0.0.1', port: ports.controller.port },
    hookSecrets: hookSecretsProvider({ env: hookEnv, logger: log }),
    dryRun: /^(1|true)$/i.test(process.env.TAGPILOT_DRY_RUN ?? ''),
    log,
  });
  stops.push(() => controller.stop());
  ports.controller.port = controller.port;
  console.error(
    `[tagpilot] controller: http://127.0.0.1:${controller.port}/metrics, /readyz, /v1/hooks/<source>`,
  );
  if (env) {
    const secret = (hookEnv[DISTRIBUTION_SECRET_ENV] ?? hookEnv.TAGPILOT_HOOK_SECRET)!.split('\n')[0]!.trim();
    await forwardPushNotifications(
      env.info.notifications.url,
      `http://127.0.0.1:${controller.port}/v1/hooks/distribution?token=${encodeURIComponent(secret)}`,
    );
    console.error('[tagpilot] registry push notifications → controller /v1/hooks/distribution');
  }

  const namespace = process.env.TAGPILOT_NAMESPACE ?? EMBEDDED_HELM_RELEASE.namespace;
  await kubeConfig
    .makeApiClient(CoreV1Api)
    .createNamespace({ body: { metadata: { name: namespace } } })
    .catch((err: unknown) => {
      if ((err as { code?: number }).code !== 409) throw err;
    });
  const webhookPort = ports.operatorWebhook.port;
  const operator = await startOperator({
    kubeConfig,
    log: createLogger('tagpilot-operator'),
    namespace,
    webhookBindAddress: '127.0.0.1',
    webhookPort,
    metricsBindAddress: '127.0.0.1',
    metricsPort: ports.operatorMetrics.port,
    webhookEndpoint: { url: process.env.TAGPILOT_WEBHOOK_URL ?? `https://127.0.0.1:${webhookPort}` },
    leaderElect: false,
  });
  stops.push(() => operator.stop());
  console.error(`[tagpilot] operator: admission webhooks on https://127.0.0.1:${webhookPort}`);

  if (env) {
    console.log(embeddedBanner(env.info, { kubeconfig: join(home, 'kubeconfig'), toolsDir }, ports));
    // The demo (hack/demo.ts): a Deployment, an Image following it, a newer tag pushed, the update shown.
    const { runDemo } = await import('./demo.js');
    const demo = await runDemo({
      kubeconfig: kubeConfig,
      registry: env.info.registries.anonymous,
      pushNotifications: true,
      log: (l) => console.error(l),
    }).catch((err: unknown) => console.error(`[tagpilot] demo: ${errorMessage(err)}`));
    const ref = demo ? demo.image : `${env.info.registries.anonymous.host}/demo/web`;
    console.log(
      [
        '',
        'Still running. Try a push of your own: the controller hears of it at once and moves the Image on.',
        `  skopeo copy --src-tls-verify=false --dest-tls-verify=false docker://${ref}:1.1.0 docker://${ref}:1.2.0`,
        `  KUBECONFIG=${join(home, 'kubeconfig')} ${join(toolsDir, 'kubectl')} get images -A -w`,
        '',
      ].join('\n'),
    );
  }
  console.error('[tagpilot] running; press Ctrl-C to stop everything.');
  setInterval(() => undefined, 1 << 30);
} catch (err) {
  const inUse = portInUseMessage(err, ports);
  console.error(`[tagpilot] could not start: ${inUse ?? errorMessage(err)}`);
  await stopAll(1);
}

/** Points the environment's notification relay (test/testenv/notifications.ts) at the controller. */
async function forwardPushNotifications(relay: string, target: string): Promise<void> {
  const res = await fetch(`${relay}/targets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: target }),
    signal: AbortSignal.timeout(5_000),
  });
  if (res.status !== 204) throw new Error(`the notification relay answered ${res.status} to POST /targets`);
}
