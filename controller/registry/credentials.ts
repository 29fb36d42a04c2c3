// Credentials from image pull secrets, matched to a registry the way the kubelet matches them, so an Image
// works with exactly the Secrets its Pods already pull with. Pure functions: the controller reads the
// Secrets from the API and passes their `data` (base64, as Kubernetes returns it) here.
import { DOCKER_HUB_ALIASES, DOCKER_HUB_DOMAIN } from '../../domain/image/reference.js';
import type { ImageReference } from '../../domain/image/reference.js';
import { RegistryError } from './errors.js';

export interface RegistryCredentials {
  username?: string;
  password?: string;
  /** OAuth2 refresh token (`identitytoken`, e.g. Azure ACR): exchanged at the token endpoint. */
  identityToken?: string;
  /** Bearer token presented as is (`registrytoken`). */
  registryToken?: string;
  /** What to check when the registry refuses them (cloud identities); default: the image pull secret. */
  hint?: string;
}

/** The parts of a Kubernetes Secret this module reads (a V1Secret fits). */
export interface PullSecret {
  metadata?: { name?: string };
  type?: string;
  /** Values base64-encoded, as the API returns them. */
  data?: Record<string, string | undefined> | undefined;
}

/** One `auths` entry of a docker config file. */
export interface DockerConfigEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
  email?: string;
}

/** A pull secret or docker config that cannot be read. Its message names the Secret, never a value. */
export class PullSecretError extends RegistryError {
  readonly kind = 'pull-secret';
  readonly transient = false;
}

const DOCKERCONFIGJSON = 'kubernetes.io/dockerconfigjson';
const DOCKERCFG = 'kubernetes.io/dockercfg';

/** A docker config key (`https://index.docker.io/v1/`, `ghcr.io`, `*.gcr.io/team`) split for matching. */
interface ParsedKey {
  hostGlob: string;
  port: string;
  path: string;
}

/**
 * Normalises a key as the kubelet does: scheme optional, `/v1/` or `/v2/` API suffixes dropped, Docker
 * Hub's many names folded into `docker.io`.
 */
export function parseConfigKey(key: string): ParsedKey | undefined {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(key) ? key : `https://${key}`;
  let url: URL;
  try {
    // URL rejects "*" in host names; swap globs for a placeholder label and restore them afterwards.
    url = new URL(withScheme.replace(/\*/g, 'glob--star'));
  } catch {
    return undefined;
  }
  let host = url.hostname.replace(/glob--star/g, '*').toLowerCase();
  if (DOCKER_HUB_ALIASES.has(host)) host = DOCKER_HUB_DOMAIN;
  let path = decodeURIComponent(url.pathname).replace(/glob--star/g, '*');
  path = path.replace(/^\/v[12](?=\/|$)/, '');
  path = path.replace(/^\/+|\/+$/g, '');
  return { hostGlob: host, port: url.port, path };
}

/**
 * Whether one host label matches one glob label (`*` is any run of characters; labels hold no dots).
 * Greedy with one resume point, linear in practice: a regular expression built from a Secret's key
 * (`a*a*a*a*b`) would backtrack exponentially.
 */
export function globLabelMatch(glob: string, label: string): boolean {
  let g = 0;
  let l = 0;
  let star = -1;
  let resume = 0;
  while (l < label.length) {
    if (g < glob.length && glob[g] !== '*' && glob[g] === label[l]) {
      g++;
      l++;
    } else if (g < glob.length && glob[g] === '*') {
      star = g++;
      resume = l;
    } else if (star !== -1) {
      g = star + 1;
      l = ++resume;
    } else {
      return false;
    }
  }
  while (glob[g] === '*') g++;
  return g === glob.length;
}

/**
 * How well a key matches `domain/repository`: undefined when it does not, higher numbers for more
 * specific keys (a longer repository prefix beats a shorter one; an exact host beats a glob).
 */
export function matchConfigKey(
  key: string,
  ref: Pick<ImageReference, 'domain' | 'repository'>,
): number | undefined {
  const parsed = parseConfigKey(key);
  if (!parsed) return undefined;
  const [refHost = '', refPort = ''] = ref.domain.toLowerCase().split(':');
  const host = DOCKER_HUB_ALIASES.has(refHost) ? DOCKER_HUB_DOMAIN : refHost;
  if (parsed.port !== refPort) return undefined;
  const globLabels = parsed.hostGlob.split('.');
  const labels = host.split('.');
  if (globLabels.length !== labels.length) return undefined;
  if (!globLabels.every((g, i) => globLabelMatch(g, labels[i] ?? ''))) return undefined;
  if (parsed.path !== '' && ref.repository !== parsed.path && !ref.repository.startsWith(`${parsed.path}/`)) {
    return undefined;
  }
  const exactHost = !parsed.hostGlob.includes('*');
  return parsed.path.length * 2 + (exactHost ? 1 : 0);
}

function decodeBase64(value: string, what: string): string {
  const compact = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
    throw new PullSecretError(`${what} is not valid base64`);
  }
  return Buffer.from(compact, 'base64').toString('utf8');
}

/** Credentials of one docker config entry; `auth` (base64 user:password) wins over username/password. */
export function credentialsFromEntry(
  entry: DockerConfigEntry,
  what: string,
): RegistryCredentials | undefined {
  const out: RegistryCredentials = {};
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = decodeBase64(entry.auth, `the "auth" field of ${what}`);
    const colon = decoded.indexOf(':');
    if (colon === -1)
      throw new PullSecretError(`the "auth" field of ${what} does not decode to "username:password"`);
    out.username = decoded.slice(0, colon);
    out.password = decoded.slice(colon + 1);
  } else {
    if (typeof entry.username === 'string' && entry.username !== '') out.username = entry.username;
    if (typeof entry.password === 'string' && entry.password !== '') out.password = entry.password;
  }
  if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '')
    out.identityToken = entry.identitytoken;
  if (typeof entry.registrytoken === 'string' && entry.registrytoken !== '')
    out.registryToken = entry.registrytoken;
  return Object.keys(out).length === 0 ? undefined : out;
}

/**
 * The `auths` map of a docker config: accepts `{"auths": {...}}` (config.json, dockerconfigjson) and the
 * legacy flat map (`.dockercfg`).
 */
export function dockerConfigAuths(config: unknown, what: string): Record<string, DockerConfigEntry> {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new PullSecretError(`${what} is not a JSON object`);
  }
  const record = config as Record<string, unknown>;
  const auths = 'auths' in record ? record.auths : record;
  if (typeof auths !== 'object' || auths === null || Array.isArray(auths)) {
    throw new PullSecretError(`${what} has an "auths" field that is not an object`);
  }
  const out: Record<string, DockerConfigEntry> = {};
  for (const [key, value] of Object.entries(auths)) {
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      out[key] = value as DockerConfigEntry;
  }
  return out;
}

interface Candidate {
  score: number;
  credentials: RegistryCredentials;
}

function bestInAuths(
  auths: Record<string, DockerConfigEntry>,
  ref: Pick<ImageReference, 'domain' | 'repository'>,
  what: string,
): Candidate | undefined {
  let best: Candidate | undefined;
  for (const [key, entry] of Object.entries(auths)) {
    const score = matchConfigKey(key, ref);
    if (score === undefined || (best && best.score >= score)) continue;
    const credentials = credentialsFromEntry(entry, `${what}, entry "${key}"`);
    if (credentials) best = { score, credentials };
  }
  return best;
}

/** Credentials for `ref` in a docker config (file contents or parsed), or undefined when none match. */
export function credentialsFromDockerConfig(
  config: string | object,
  ref: Pick<ImageReference, 'domain' | 'repository'>,
  what = 'the docker config',
): RegistryCredentials | undefined {
  let parsed: unknown = config;
  if (typeof config === 'string') {
    try {
      parsed = JSON.parse(config);
    } catch {
      throw new PullSecretError(`${what} is not valid JSON`);
    }
  }
  return bestInAuths(dockerConfigAuths(parsed, what), ref, what)?.credentials;
}

function secretAuths(secret: PullSecret): { auths: Record<string, DockerConfigEntry>; what: string } {
  const what = `Secret "${secret.metadata?.name ?? '(unnamed)'}"`;
  const data = secret.data ?? {};
  // Read by key rather than insisting on the type: a hand-made Opaque Secret with the right key works too.
  const key =
    data['.dockerconfigjson'] !== undefined
      ? '.dockerconfigjson'
      : data['.dockercfg'] !== undefined
        ? '.dockercfg'
        : undefined;
  if (key === undefined) {
    const type = secret.type ?? 'unknown';
    const expected = type === DOCKERCFG ? '.dockercfg' : '.dockerconfigjson';
    throw new PullSecretError(
      `${what} (type ${type}) has no "${expected}" key; image pull secrets are of type ${DOCKERCONFIGJSON} or ${DOCKERCFG}`,
    );
  }
  const where = `${what} key "${key}"`;
  const json = decodeBase64(data[key] ?? '', where);
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new PullSecretError(`${where} is not valid JSON`);
  }
  return { auths: dockerConfigAuths(parsed, where), what: where };
}

/** Credentials for `ref` in one pull secret, or undefined when it has none for that registry. */
export function credentialsFromPullSecret(
  secret: PullSecret,
  ref: Pick<ImageReference, 'domain' | 'repository'>,
): RegistryCredentials | undefined {
  const { auths, what } = secretAuths(secret);
  return bestInAuths(auths, ref, what)?.credentials;
}

/**
 * Credentials for `ref` from an Image's pull secrets: the most specific matching entry over all
 * Secrets, the earlier Secret on a tie (the kubelet's order). Undefined means anonymous access.
 */
export function credentialsFromPullSecrets(
  secrets: readonly PullSecret[],
  ref: Pick<ImageReference, 'domain' | 'repository'>,
): RegistryCredentials | undefined {
  let best: Candidate | undefined;
  for (const secret of secrets) {
    const { auths, what } = secretAuths(secret);
    const candidate = bestInAuths(auths, ref, what);
    if (candidate && (!best || candidate.score > best.score)) best = candidate;
  }
  return best?.credentials;
}
