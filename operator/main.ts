// Entry point of tagpilot-operator: `tsx operator/main.ts [flags]` (flags and TAGPILOT_* variables in
// docs/operator.md). Exits 2 on a usage error, 1 when the operator cannot start, 0 after SIGTERM/SIGINT.
import { fileURLToPath } from 'node:url';
import { errorMessage } from '../common/errors.js';
import { loadKubeConfig } from '../common/kube.js';
import { createLogger } from '../common/logger.js';
import { collectProcessMetrics } from '../common/metrics.js';
import { versionLine } from '../common/version.js';
import { startOperator } from './operator.js';
import { parseOperatorArgs, usage, UsageError, type OperatorConfig } from './options.js';

export { startOperator, type OperatorOptions, type RunningOperator } from './operator.js';

export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  if (argv.includes('--version')) {
    process.stdout.write(`${versionLine('tagpilot-operator')}\n`);
    return 0;
  }
  let config: OperatorConfig;
  try {
    config = parseOperatorArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`tagpilot-operator: ${err.message} (see --help)`);
      return 2;
    }
    throw err;
  }
  const log = createLogger('tagpilot-operator', { level: config.logLevel });
  collectProcessMetrics();
  let operator;
  try {
    const kubeConfig = loadKubeConfig({
      ...(config.kubeconfig ? { kubeconfig: config.kubeconfig } : {}),
      ...(config.context ? { context: config.context } : {}),
    });
    operator = await startOperator({
      kubeConfig,
      log,
      namespace: config.namespace,
      namespaces: config.namespaces,
      webhookBindAddress: config.webhookBindAddress,
      webhookPort: config.webhookPort,
      metricsBindAddress: config.metricsBindAddress,
      metricsPort: config.metricsPort,
      webhookEndpoint: config.webhookEndpoint,
      failurePolicy: config.failurePolicy,
      timeoutSeconds: config.timeoutSeconds,
      webhookConfigName: config.webhookConfigName,
      certSecret: config.certSecret,
      selfSignedCerts: config.selfSignedCerts,
      certValidityMs: config.certValidityMs,
      certRenewBeforeMs: config.certRenewBeforeMs,
      leaderElect: config.leaderElect,
      leaseName: config.leaseName,
      shutdownDelayMs: config.shutdownDelayMs,
      followAnnotations: config.followAnnotations,
      followDefaultSchedule: config.followDefaultSchedule,
    });
  } catch (err) {
    log.fatal({ err: errorMessage(err) }, 'tagpilot-operator could not start');
    console.error(`tagpilot-operator: ${errorMessage(err)}`);
    return 1;
  }
  const running = operator;
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: string) => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      stopping = true;
      log.info({ signal }, 'stopping');
      running.stop().then(resolve, (err: unknown) => {
        log.error({ err: errorMessage(err) }, 'unclean shutdown');
        resolve();
      });
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
  });
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`tagpilot-operator: ${errorMessage(err)}`);
      process.exit(1);
    },
  );
}
