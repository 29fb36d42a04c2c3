// tagpilot-controller: evaluates Image triggers, asks registries, applies rules, writes status, runs
// actions. Flags (and TAGPILOT_* environment variables) in docs/controller.md and `--help`.
import { pathToFileURL } from 'node:url';
import { errorMessage } from '../common/errors.js';
import { loadKubeConfig } from '../common/kube.js';
import { createLogger } from '../common/logger.js';
import { collectProcessMetrics } from '../common/metrics.js';
import { versionLine } from '../common/version.js';
import { startController, type Controller } from './controller.js';
import { UsageError, parseControllerArgs, usage } from './options.js';
import { HOOK_SECRETS_DIR_ENV, hookSecretsProvider } from './triggers/index.js';

export { startController } from './controller.js';
export type { Controller, ControllerOptions, LeaderElectionSettings } from './controller.js';

/** Runs the program until SIGTERM/SIGINT; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--version')) {
    process.stdout.write(`${versionLine('tagpilot-controller')}\n`);
    return 0;
  }
  let parsed;
  try {
    parsed = parseControllerArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`tagpilot-controller: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (parsed === 'help') {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const o = parsed;
  if (o.logLevel) process.env.TAGPILOT_LOG_LEVEL = o.logLevel;
  const log = createLogger('tagpilot-controller');
  collectProcessMetrics();

  let controller: Controller;
  try {
    const kubeConfig = loadKubeConfig({ kubeconfig: o.kubeconfig, context: o.context });
    const hookSecrets = hookSecretsProvider({
      ...(o.hookSecretsDir ? { dir: o.hookSecretsDir } : {}),
      env: { ...process.env, ...(o.hookSecretsDir ? { [HOOK_SECRETS_DIR_ENV]: o.hookSecretsDir } : {}) },
      logger: log,
    });
    controller = await startController({
      kubeConfig,
      namespaces: o.namespaces,
      dryRun: o.dryRun,
      concurrency: o.concurrency,
      leaderElection: o.leaderElect
        ? {
            namespace: o.leaderElectionNamespace,
            name: o.leaseName,
            leaseDurationSeconds: Math.round(o.leaseDurationMs / 1000),
            renewDeadlineMs: o.leaseRenewDeadlineMs,
            retryPeriodMs: Math.max(500, Math.floor(o.leaseDurationMs / 5)),
          }
        : false,
      ops: {
        host: o.bindAddress,
        port: o.port,
        requestTimeoutMs: o.httpRequestTimeoutMs,
        maxConnections: o.httpMaxConnections,
      },
      hookSecrets,
      maxHookBodyBytes: o.maxHookBodyBytes,
      hookReplayWindowMs: o.hookReplayWindowMs,
      statusHeartbeatMs: o.statusHeartbeatMs,
      cronJitterMs: o.cronJitterMs,
      registry: {
        tagsTtlMs: o.registryCacheTtlMs,
        digestTtlMs: o.registryCacheTtlMs,
        concurrencyPerRegistry: o.registryConcurrency,
        timeoutMs: o.registryTimeoutMs,
        logger: log,
      },
      log,
    });
  } catch (err) {
    log.error({ err: errorMessage(err) }, 'could not start');
    process.stderr.write(`tagpilot-controller: ${errorMessage(err)}\n`);
    return 1;
  }
  log.info(
    { port: controller.port, dryRun: o.dryRun, leaderElect: o.leaderElect },
    'tagpilot-controller running',
  );

  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        log.warn({ signal }, 'second signal: exiting without waiting');
        resolve(1);
        return;
      }
      log.info({ signal }, 'shutting down: finishing evaluations in flight');
      controller.stop().then(
        () => resolve(0),
        (err: unknown) => {
          log.error({ err: errorMessage(err) }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`tagpilot-controller: ${errorMessage(err)}\n`);
      process.exit(1);
    },
  );
}
