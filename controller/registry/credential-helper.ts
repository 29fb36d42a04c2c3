// Docker credential helpers (`credHelpers` per registry, `credsStore` for all) named in a docker config:
// `docker-credential-<name> get` with the registry on stdin answers {"Username","Secret"}, as Docker runs
// them. Used by the CLI's --docker-config; bounded in time and output so a stuck helper cannot hang it.
import { spawn } from 'node:child_process';
import type { ImageReference } from '../../domain/image/reference.js';
import { DOCKER_HUB_DOMAIN } from '../../domain/image/reference.js';
import {
  PullSecretError,
  credentialsFromDockerConfig,
  parseConfigKey,
  type RegistryCredentials,
} from './credentials.js';

export interface HelperOptions {
  /** Default 10 s. */
  timeoutMs?: number;
  /** stdout/stderr beyond this fail the helper. Default 64 KiB. */
  maxOutputBytes?: number;
  env?: NodeJS.ProcessEnv;
}

/** Docker's name for Docker Hub in helpers and config keys. */
const DOCKER_HUB_SERVER = 'https://index.docker.io/v1/';
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** What `docker-credential-<name> get` answers for a registry with none stored. */
function isNotFound(output: string): boolean {
  return /credentials not found/i.test(output);
}

/** The server name Docker hands a helper: the host (with port), or Docker Hub's legacy URL. */
export function helperServer(ref: Pick<ImageReference, 'domain'>): string {
  const host = ref.domain.toLowerCase();
  const parsed = parseConfigKey(host);
  return parsed?.hostGlob === DOCKER_HUB_DOMAIN && parsed.port === '' ? DOCKER_HUB_SERVER : host;
}

/** The helper a docker config names for `ref`'s registry: its credHelpers entry, else credsStore. */
export function helperFor(config: unknown, ref: Pick<ImageReference, 'domain'>): string | undefined {
  if (typeof config !== 'object' || config === null) return undefined;
  const { credHelpers, credsStore } = config as { credHelpers?: unknown; credsStore?: unknown };
  const wanted = parseConfigKey(ref.domain);
  if (typeof credHelpers === 'object' && credHelpers !== null && wanted) {
    for (const [key, name] of Object.entries(credHelpers as Record<string, unknown>)) {
      const parsed = parseConfigKey(key);
      if (parsed?.hostGlob === wanted.hostGlob && parsed.port === wanted.port && typeof name === 'string')
        return name;
    }
  }
  return typeof credsStore === 'string' && credsStore !== '' ? credsStore : undefined;
}

/** Runs `docker-credential-<name> get` for `server`; undefined when the helper has nothing stored. */
export function runCredentialHelper(
  name: string,
  server: string,
  options: HelperOptions = {},
): Promise<RegistryCredentials | undefined> {
  const program = `docker-credential-${name}`;
  if (!HELPER_NAME.test(name)) {
    return Promise.reject(
      new PullSecretError(`credential helper name "${name}" is not a plain program name`),
    );
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  const max = options.maxOutputBytes ?? 64 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: options.env ?? process.env,
    });
    const out: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    // Settles at once, without waiting for grandchildren that may still hold the pipes open.
    const fail = (err: Error) =>
      settle(() => {
        child.kill('SIGKILL');
        child.stdout.destroy();
        child.stderr.destroy();
        reject(err);
      });
    const timer = setTimeout(
      () => fail(new PullSecretError(`${program} did not answer within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    const collect = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) fail(new PullSecretError(`${program} wrote more than ${max} bytes`));
      else out.push(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.stdin.on('error', () => {}); // a helper that exits without reading stdin
    child.on('error', (err: NodeJS.ErrnoException) =>
      fail(
        err.code === 'ENOENT'
          ? new PullSecretError(`credential helper ${program} is not on PATH`)
          : new PullSecretError(`credential helper ${program} could not run (${err.code ?? err.message})`),
      ),
    );
    child.on('close', (code) =>
      settle(() => {
        try {
          resolve(parseHelperAnswer(program, server, code, Buffer.concat(out).toString('utf8')));
        } catch (err) {
          reject(err as Error);
        }
      }),
    );
    child.stdin.end(server);
  });
}

function parseHelperAnswer(
  program: string,
  server: string,
  code: number | null,
  text: string,
): RegistryCredentials | undefined {
  if (code !== 0) {
    if (isNotFound(text)) return undefined;
    // The helper's own words, first line only: helpers print reasons, not secrets, on failure.
    const reason = text.split('\n')[0]?.trim().slice(0, 200) || `exit code ${code}`;
    throw new PullSecretError(`credential helper ${program} failed for ${server}: ${reason}`);
  }
  let parsed: { Username?: unknown; Secret?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw new PullSecretError(`credential helper ${program} did not answer JSON for ${server}`);
  }
  const username = typeof parsed.Username === 'string' ? parsed.Username : '';
  const secret = typeof parsed.Secret === 'string' ? parsed.Secret : '';
  if (secret === '') return undefined;
  // Docker's convention: the user "<token>" means the secret is an OAuth2 refresh token.
  return username === '<token>' ? { identityToken: secret } : { username, password: secret };
}

/**
 * Credentials for `ref` from a docker config file's text: its credential helper when it names one for the
 * registry (and that helper has credentials stored), else its `auths` entries.
 */
export async function credentialsFromDockerConfigFile(
  text: string,
  ref: Pick<ImageReference, 'domain' | 'repository'>,
  what: string,
  options: HelperOptions = {},
): Promise<RegistryCredentials | undefined> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new PullSecretError(`${what} is not valid JSON`);
  }
  const helper = helperFor(parsed, ref);
  if (helper !== undefined) {
    const fromHelper = await runCredentialHelper(helper, helperServer(ref), options);
    if (fromHelper) return fromHelper;
  }
  const auths = (parsed as { auths?: unknown }).auths;
  // A config with only helpers has no auths map at all: nothing more to look at.
  if (helper !== undefined && auths === undefined) return undefined;
  return credentialsFromDockerConfig(parsed as object, ref, what);
}
