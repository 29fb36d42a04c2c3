import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { stringify } from 'yaml';
import { freePort } from './ports.js';
import { logTail, startProcess, type ManagedProcess } from './procs.js';
import { startTokenRealm, type TokenRealm } from './token-realm.js';
import type { RegistryInfo, RegistryMode } from './types.js';
import { waitFor } from './wait.js';

/** Debian's package of the CNCF Distribution registry (v2.8); hack/ensure-deps.sh installs it. */
export const registryBinary = process.env.TAGPILOT_REGISTRY_BIN ?? '/usr/bin/docker-registry';

export interface RunningRegistry {
  info: RegistryInfo;
  process: ManagedProcess;
  tokenRealm?: TokenRealm;
  /** Stop the registry, keeping its storage, e.g. to test "registry down". */
  stop(): Promise<void>;
}

export interface RegistryOptions {
  stateDir: string;
  dataDir: string;
  logDir: string;
  mode: RegistryMode;
  /** Where to POST push notifications (Distribution notification envelopes). */
  notifyURL?: string;
  /** Fixed port, e.g. to restart a stopped registry on the same address. */
  port?: number;
  /** Token mode: credentials the realm accepts besides the registry's own user (see startTokenRealm). */
  verifyCredentials?: (user: string, password: string) => boolean;
}

export async function startRegistry(opts: RegistryOptions): Promise<RunningRegistry> {
  if (!existsSync(registryBinary)) {
    throw new Error(
      `${registryBinary} not found; install Debian's docker-registry (hack/ensure-deps.sh --registry does)`,
    );
  }
  const { mode } = opts;
  const dir = join(opts.dataDir, `registry-${mode}`);
  mkdirSync(dir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const host = `127.0.0.1:${port}`;
  const username = mode === 'anonymous' ? undefined : 'tagpilot';
  const password = mode === 'anonymous' ? undefined : randomBytes(12).toString('hex');

  const config: Record<string, unknown> = {
    version: 0.1,
    log: { level: 'warn', accesslog: { disabled: true } },
    storage: {
      filesystem: { rootdirectory: join(dir, 'storage') },
      delete: { enabled: true },
      cache: { blobdescriptor: 'inmemory' },
    },
    http: { addr: host, secret: randomBytes(16).toString('hex') },
  };
  let tokenRealm: TokenRealm | undefined;
  if (mode === 'basic') {
    const htpasswd = join(dir, 'htpasswd');
    writeFileSync(htpasswd, `${username}:${bcrypt.hashSync(password!, 5)}\n`);
    config.auth = { htpasswd: { realm: 'tagpilot-test', path: htpasswd } };
  } else if (mode === 'token') {
    tokenRealm = await startTokenRealm({ [username!]: password! }, 300, opts.verifyCredentials);
    const bundle = join(dir, 'token-root.pem');
    writeFileSync(bundle, tokenRealm.rootCertPem);
    config.auth = {
      token: {
        realm: tokenRealm.url,
        service: tokenRealm.service,
        issuer: tokenRealm.issuer,
        rootcertbundle: bundle,
      },
    };
  }
  if (opts.notifyURL) {
    config.notifications = {
      endpoints: [
        {
          name: 'tagpilot-test',
          url: opts.notifyURL,
          timeout: '2s',
          threshold: 3,
          backoff: '1s',
          ignoredmediatypes: ['application/octet-stream'],
          ignore: { actions: ['pull'] },
        },
      ],
    };
  }
  const configFile = join(dir, 'config.yml');
  writeFileSync(configFile, stringify(config));

  const proc = startProcess(opts.stateDir, opts.logDir, `registry-${mode}`, registryBinary, [
    'serve',
    configFile,
  ]);
  let exitCode: number | null | undefined;
  void proc.exited.then((c) => (exitCode = c));
  try {
    await waitFor(`registry (${mode}) on ${host}`, async () => {
      if (exitCode !== undefined) throw new Error(`registry exited with code ${exitCode}`);
      const res = await fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(2_000) });
      return res.status === 200 || res.status === 401;
    });
  } catch (err) {
    await proc.stop();
    await tokenRealm?.close();
    throw new Error(`${(err as Error).message}\n--- ${proc.logFile}:\n${logTail(proc.logFile)}`);
  }
  return {
    info: { mode, host, username, password, realm: tokenRealm?.url },
    process: proc,
    tokenRealm,
    async stop() {
      await proc.stop();
      await tokenRealm?.close();
    },
  };
}
