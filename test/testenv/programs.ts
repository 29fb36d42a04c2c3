// Tagpilot's two programs, started in process the way most e2e tests need them: the operator as its
// ServiceAccount under the shipped RBAC, serving its webhooks on 127.0.0.1 and called by the apiserver;
// the controller as its own ServiceAccount. The set-up and teardown live here once; what differs between
// tests (namespaces, caches, retries, hook secrets) stays in the test. Tests of the shipped program as a
// process (flags, signals, crashes) use controller-process.ts instead.
import type { KubeConfig } from '@kubernetes/client-node';
import { startController, type Controller, type ControllerOptions } from '../../controller/main.js';
import { controllerKubeConfig, testLogger } from '../integration/controller/support.js';
import {
  prepareCluster,
  removeWebhookConfigurations,
  startTestOperator,
  waitUntilAdmitting,
  type TestOperator,
} from '../integration/operator/support.js';
import type { TestEnvInfo } from './types.js';

/** Registry caches and retries short enough that a test sees a registry change within a tick or two. */
export const quickRegistry = Object.freeze({
  tagsTtlMs: 1_000,
  digestTtlMs: 1_000,
  maxAttempts: 1,
  timeoutMs: 5_000,
});

/**
 * A controller that reacts within a second: half-second registry caches, no cron jitter, quick retries
 * (the approval, hold and health-gate e2e tests follow several registry changes in a row).
 */
export const fastController = Object.freeze({
  registry: { tagsTtlMs: 500, digestTtlMs: 500, maxAttempts: 1, timeoutMs: 5_000 },
  cronJitterMs: 0,
  retryBaseMs: 500,
  retryMaxMs: 5_000,
});

/**
 * A controller's options in a test: `logName` names its log file (testLogger); `kubeConfig` defaults to
 * the controller's ServiceAccount under the shipped RBAC (controllerKubeConfig).
 */
export type TestControllerOptions = Omit<ControllerOptions, 'kubeConfig' | 'log'> & {
  logName: string;
  kubeConfig?: KubeConfig;
};

async function controllerOptions(env: TestEnvInfo, opts: TestControllerOptions): Promise<ControllerOptions> {
  const { logName, kubeConfig, ...rest } = opts;
  return {
    kubeConfig: kubeConfig ?? (await controllerKubeConfig(env)),
    ...rest,
    log: testLogger(env, logName),
  };
}

/** Starts the controller in process with `opts`. */
export async function startTestController(
  env: TestEnvInfo,
  opts: TestControllerOptions,
): Promise<Controller> {
  return startController(await controllerOptions(env, opts));
}

export interface ProgramsOptions {
  /** Start the operator (with these overrides) and wait until the apiserver calls its webhooks. */
  operator?: Parameters<typeof startTestOperator>[1];
  /** Start the controller, after the operator. */
  controller?: TestControllerOptions;
}

export interface Programs {
  /** The operator; throws when it was not asked for. */
  readonly operator: TestOperator;
  /** The controller now running (a restart replaces it); throws when it was not asked for. */
  readonly controller: Controller;
  /** Stops the controller and starts a new one with the same options (a restart, a new alert holder). */
  restartController(): Promise<Controller>;
  /** Stops the controller, then the operator, and removes the operator's webhook configurations. */
  stop(): Promise<void>;
}

/**
 * Starts what `opts` asks for. With an operator, webhook configurations left by an earlier suite are
 * removed first, so that no dead webhook stands between the apiserver and this one. If a start fails,
 * what was started is stopped before the error is thrown.
 */
export async function startPrograms(env: TestEnvInfo, opts: ProgramsOptions): Promise<Programs> {
  let operator: TestOperator | undefined;
  let controller: Controller | undefined;
  let controllerOpts: ControllerOptions | undefined;
  const stop = async () => {
    await controller?.stop();
    await operator?.stop();
    if (opts.operator) await removeWebhookConfigurations(env);
  };
  try {
    if (opts.operator) {
      await removeWebhookConfigurations(env);
      operator = await startTestOperator(await prepareCluster(env), opts.operator);
      await waitUntilAdmitting(env, operator);
    }
    if (opts.controller) {
      // Resolved once, so that a restart runs as the same client, with the same options and logger.
      controllerOpts = await controllerOptions(env, opts.controller);
      controller = await startController(controllerOpts);
    }
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  return {
    get operator() {
      if (!operator) throw new Error('these programs were started without an operator');
      return operator;
    },
    get controller() {
      if (!controller)
        throw new Error('these programs were started without a controller (or it is restarting)');
      return controller;
    },
    async restartController() {
      if (!controllerOpts)
        throw new Error('restartController: these programs were started without a controller');
      await controller?.stop();
      controller = undefined;
      controller = await startController(controllerOpts);
      return controller;
    },
    stop,
  };
}
