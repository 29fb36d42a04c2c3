import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { startControlPlane, type ControlPlane } from './control-plane.js';
import { startControlServer } from './control.js';
import { startNotificationRelay, type NotificationRelay } from './notifications.js';
import { cleanupOrphans, createStateDir } from './procs.js';
import { startRegistry, type RunningRegistry } from './registry.js';
import type { RegistryMode, TestEnvInfo } from './types.js';

export interface Environment {
  info: TestEnvInfo;
  controlPlane: ControlPlane;
  registries: Record<RegistryMode, RunningRegistry>;
  stop(): Promise<void>;
}

export interface EnvironmentOptions {
  /** Where data and logs go; a fresh directory under the state root by default. */
  dir?: string;
  /** Keep the data directory after stop (logs are useful after a failed run). */
  keepData?: boolean;
  log?: (msg: string) => void;
  /** Extra kube-controller-manager flags, e.g. `--kube-api-qps=200` for a bench that rolls 1,000 Deployments. */
  controllerManagerArgs?: readonly string[];
}

/**
 * Starts the whole test environment: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok
 * with one fake node, and three registries (anonymous, htpasswd, token auth), all sending push notifications
 * to one relay.
 * Everything binds 127.0.0.1 on free ports. If any piece fails, what was started is stopped again.
 */
export async function startEnvironment(opts: EnvironmentOptions = {}): Promise<Environment> {
  const log = opts.log ?? ((m: string) => console.error(`[testenv] ${m}`));
  cleanupOrphans(log);
  const stateDir = createStateDir('env');
  const dir = opts.dir ?? join(stateDir, 'data');
  const logDir = join(dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const started = Date.now();
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    if (opts.keepData && !opts.dir) {
      // The state directory is removed (and would be by the next run's orphan clean-up), so kept data moves
      // out of it first.
      const kept = join(tmpdir(), 'tagpilot-testenv-kept', basename(stateDir));
      mkdirSync(join(kept, '..'), { recursive: true });
      renameSync(dir, kept);
      log(`data and logs kept in ${kept}`);
    } else if (!opts.keepData) {
      rmSync(dir, { recursive: true, force: true });
    }
    rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    const relay: NotificationRelay = await startNotificationRelay();
    stops.push(() => relay.close());
    const registryList = await Promise.all(
      (['anonymous', 'basic', 'token'] as const).map((mode) =>
        startRegistry({
          stateDir,
          dataDir: dir,
          logDir,
          mode,
          // Every registry notifies, so a push to any of them reaches a controller behind the relay.
          notifyURL: `${relay.url}/events`,
        }),
      ),
    );
    for (const r of registryList) stops.push(() => r.stop());
    const registries = Object.fromEntries(registryList.map((r) => [r.info.mode, r])) as Record<
      RegistryMode,
      RunningRegistry
    >;
    log(`registries up: ${registryList.map((r) => `${r.info.mode}=${r.info.host}`).join(' ')}`);

    const controlPlane = await startControlPlane({
      stateDir,
      dataDir: dir,
      logDir,
      log,
      ...(opts.controllerManagerArgs ? { controllerManagerArgs: opts.controllerManagerArgs } : {}),
    });
    stops.push(() => controlPlane.stop());
    const control = await startControlServer(controlPlane);
    stops.push(() => control.close());
    log(`environment ready in ${((Date.now() - started) / 1000).toFixed(1)}s; logs in ${logDir}`);

    const info: TestEnvInfo = {
      kubeconfig: controlPlane.kubeconfig,
      apiServerURL: controlPlane.apiServerURL,
      adminToken: controlPlane.adminToken,
      nodeName: controlPlane.nodeName,
      registries: {
        anonymous: registries.anonymous.info,
        basic: registries.basic.info,
        token: registries.token.info,
      },
      notifications: { url: relay.url },
      control: { url: control.url },
      logDir,
    };
    return { info, controlPlane, registries, stop: stopAll };
  } catch (err) {
    log('start-up failed');
    opts.keepData = true;
    await stopAll();
    throw err;
  }
}
