// Registry flags shared by every CLI command that talks to a registry (tags, digest, resolve --image):
// one definition, so they spell and behave the same everywhere.
import { readFile } from 'node:fs/promises';
import type { ParseArgsConfig } from 'node:util';
import { CLOUD_AUTH_MODES } from '../../crds/index.js';
import {
  RegistryClient,
  credentialsFromDockerConfigFile,
  parseImageReference,
  PullSecretError,
  type CloudAuthMode,
  type ImageReference,
  type RegistryAccess,
} from '../registry/index.js';

/** Spread into a command's `parseArgs({ options })`. */
export const registryFlagOptions = {
  username: { type: 'string' },
  password: { type: 'string' },
  'plain-http': { type: 'boolean' },
  insecure: { type: 'boolean' },
  'docker-config': { type: 'string' },
  'ca-file': { type: 'string' },
  'cloud-auth': { type: 'string' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

/** Lines for a command's --help. */
export const registryFlagsUsage = [
  '  --username USER        registry user name (password from --password or $TAGPILOT_REGISTRY_PASSWORD)',
  '  --password PASS        registry password or token',
  '  --docker-config FILE   credentials from a docker config.json / .dockerconfigjson / .dockercfg file',
  '                         (its credHelpers / credsStore run docker-credential-<name>, as Docker does)',
  "  --cloud-auth MODE      without other credentials, use this machine's cloud identity: auto (default:",
  '                         by registry host), none, aws, gcp or azure (docs/registries.md)',
  '  --plain-http           talk HTTP (default for localhost and 127.0.0.1)',
  '  --insecure             do not verify the registry TLS certificate',
  '  --ca-file FILE         also trust the PEM CA certificates in FILE',
].join('\n');

export const PASSWORD_ENV = 'TAGPILOT_REGISTRY_PASSWORD';

function stringFlag(values: Record<string, unknown>, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

async function readFlagFile(flag: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new Error(`--${flag} ${path}: cannot read the file (${code})`, { cause: err });
  }
}

/** Turns parsed flags into how to reach `ref`'s registry. Throws with a message naming the bad flag. */
export async function accessFromFlags(
  ref: ImageReference,
  values: Record<string, unknown>,
): Promise<RegistryAccess> {
  const access: RegistryAccess = {};
  const username = stringFlag(values, 'username');
  const password =
    stringFlag(values, 'password') ??
    (username !== undefined ? process.env[PASSWORD_ENV] || undefined : undefined);
  const dockerConfig = stringFlag(values, 'docker-config');
  if (password !== undefined && username === undefined) throw new Error('--password needs --username');
  if (username !== undefined) {
    if (password === undefined) throw new Error(`--username needs --password or $${PASSWORD_ENV}`);
    if (dockerConfig !== undefined)
      throw new Error('use either --username/--password or --docker-config, not both');
    access.credentials = { username, password };
  } else if (dockerConfig !== undefined) {
    const text = await readFlagFile('docker-config', dockerConfig);
    try {
      access.credentials = await credentialsFromDockerConfigFile(text, ref, dockerConfig);
    } catch (err) {
      if (err instanceof PullSecretError) throw new Error(`--docker-config ${err.message}`, { cause: err });
      throw err;
    }
  }
  const cloudAuth = stringFlag(values, 'cloud-auth');
  if (cloudAuth !== undefined) {
    if (!(CLOUD_AUTH_MODES as readonly string[]).includes(cloudAuth))
      throw new Error(`--cloud-auth must be one of ${CLOUD_AUTH_MODES.join(', ')}, not "${cloudAuth}"`);
    access.cloudAuth = cloudAuth as CloudAuthMode;
  }
  if (values['plain-http'] === true) access.plainHTTP = true;
  if (values.insecure === true) access.insecureSkipTLSVerify = true;
  const caFile = stringFlag(values, 'ca-file');
  if (caFile !== undefined) access.caBundle = await readFlagFile('ca-file', caFile);
  return access;
}

let client: RegistryClient | undefined;

/** One client per CLI process, like the controller's. */
export function cliRegistryClient(): RegistryClient {
  client ??= new RegistryClient();
  return client;
}

/**
 * Every tag of `image`'s repository (a tag or digest in `image` is ignored), with the flags' access.
 * Throws an Error whose message is fit for the CLI's one stderr line.
 */
export async function fetchTagsForCli(image: string, values: Record<string, unknown>): Promise<string[]> {
  const ref = parseImageReference(image);
  const access = await accessFromFlags(ref, values);
  return [...(await cliRegistryClient().listTags(ref, access))];
}
