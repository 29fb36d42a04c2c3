// Shared secrets of the receivers. A receiver without a secret is disabled (404): secure by default, and no
// registry can trigger evaluations until an operator chose a secret for it.
//
// Sources, later ones winning:
//   TAGPILOT_HOOK_SECRET                    default for every receiver
//   TAGPILOT_HOOK_SECRET_<SOURCE>           one receiver (GENERIC, DOCKERHUB, GITHUB, HARBOR, QUAY, DISTRIBUTION)
//   <dir>/default, <dir>/<source>           files, e.g. a mounted Secret (--hook-secrets-dir, TAGPILOT_HOOK_SECRETS_DIR)
// Each value may hold several secrets, one per line, all accepted: that is how a secret is rotated without
// dropping deliveries (add the new one, update the senders, remove the old one).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../../../common/errors.js';
import type { Logger } from '../../../common/logger.js';
import { HOOK_SOURCES, type HookSource } from './types.js';

export type HookSecrets = Partial<Record<HookSource | 'default', readonly string[]>>;

export const HOOK_SECRET_ENV = 'TAGPILOT_HOOK_SECRET';
export const HOOK_SECRETS_DIR_ENV = 'TAGPILOT_HOOK_SECRETS_DIR';

/** Secrets accepted by one receiver: its own, else the default; empty means the receiver is disabled. */
export function secretsFor(secrets: HookSecrets, source: HookSource): readonly string[] {
  const own = secrets[source];
  return own !== undefined && own.length > 0 ? own : (secrets.default ?? []);
}

function split(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

export interface LoadHookSecretsOptions {
  /** Directory with files named `default` and/or after sources; default $TAGPILOT_HOOK_SECRETS_DIR. */
  dir?: string;
  env?: NodeJS.ProcessEnv;
}

/** Reads the secrets once. Throws when a configured directory cannot be read: better a failed start. */
export function loadHookSecrets(opts: LoadHookSecretsOptions = {}): HookSecrets {
  const env = opts.env ?? process.env;
  const secrets: { -readonly [K in keyof HookSecrets]: string[] } = {};
  const put = (key: HookSource | 'default', value: string | undefined) => {
    const list = value === undefined ? [] : split(value);
    if (list.length > 0) secrets[key] = list;
  };
  put('default', env[HOOK_SECRET_ENV]);
  for (const source of HOOK_SOURCES) put(source, env[`${HOOK_SECRET_ENV}_${source.toUpperCase()}`]);

  const dir = opts.dir ?? env[HOOK_SECRETS_DIR_ENV];
  if (dir !== undefined && dir !== '') {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (err) {
      throw new Error(`cannot read the hook secrets directory ${dir}: ${errorMessage(err)}`);
    }
    for (const key of ['default', ...HOOK_SOURCES] as const) {
      if (!names.includes(key)) continue;
      const file = join(dir, key);
      // Kubernetes mounts keys as symlinks into a ..data directory; statSync follows them.
      if (!statSync(file).isFile()) continue;
      put(key, readFileSync(file, 'utf8'));
    }
  }
  return secrets;
}

/** Which receivers are enabled, for a start-up log line (names only, never values). */
export function enabledSources(secrets: HookSecrets): HookSource[] {
  return HOOK_SOURCES.filter((source) => secretsFor(secrets, source).length > 0);
}

export interface HookSecretsProviderOptions extends LoadHookSecretsOptions {
  /** How long a read stays fresh; a rotated Secret is picked up within this time. Default 30 s. */
  reloadMs?: number;
  logger?: Logger;
}

/**
 * A getter for createHookHandler's `secrets` that re-reads the files at most every reloadMs, so a rotated
 * Kubernetes Secret takes effect without a restart. A failed re-read keeps the last good secrets.
 */
export function hookSecretsProvider(opts: HookSecretsProviderOptions = {}): () => HookSecrets {
  const reloadMs = opts.reloadMs ?? 30_000;
  let current = loadHookSecrets(opts);
  let loadedAt = Date.now();
  opts.logger?.info({ enabled: enabledSources(current) }, 'webhook receivers');
  return () => {
    if (Date.now() - loadedAt >= reloadMs) {
      loadedAt = Date.now();
      try {
        current = loadHookSecrets(opts);
      } catch (err) {
        opts.logger?.warn(
          { err: errorMessage(err) },
          'could not re-read the hook secrets; keeping the previous ones',
        );
      }
    }
    return current;
  };
}
