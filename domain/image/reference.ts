// Image reference parsing after the grammar of github.com/distribution/reference (the one Docker,
// containerd and Kubernetes use), including Docker's normalisation: `nginx` is
// `docker.io/library/nginx`, and docker.io is served from registry-1.docker.io.
//
// Hand-written rather than imported: the npm ports (e.g. @swimlane/docker-reference, one release since
// 2023) are thin, CommonJS-only and do not normalise Docker Hub names, while the grammar is a handful of
// regular expressions that the table tests pin down.
import { BadReferenceError } from './errors.js';

/** Where Docker Hub names live, as users write them. */
export const DOCKER_HUB_DOMAIN = 'docker.io';
/** Where Docker Hub's Distribution API actually answers. */
export const DOCKER_HUB_REGISTRY = 'registry-1.docker.io';
/** Names Docker Hub goes by in references and in docker config files. */
export const DOCKER_HUB_ALIASES: ReadonlySet<string> = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
]);

export interface ImageReference {
  /** Registry as users name it: `docker.io`, `ghcr.io`, `localhost:5000`. Used to match pull secrets. */
  readonly domain: string;
  /** host[:port] the API requests go to (`registry-1.docker.io` for Docker Hub). */
  readonly registry: string;
  /** Repository path inside the registry: `library/nginx`, `acme/web`. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

// Grammar pieces, verbatim from distribution/reference's regexp.go (anchored where used).
const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainComponent}(?:\\.${domainComponent})*`;

const PATH_RE = new RegExp(`^${pathComponent}(?:/${pathComponent})*$`);
const DOMAIN_RE = new RegExp(`^${domainName}(?::([0-9]+))?$`);
/** A tag as the Distribution grammar allows it. */
export const TAG_RE = /^[\w][\w.-]{0,127}$/;
/** `algorithm:hex`; validateDigest adds the exact lengths of sha256 and sha512. */
export const DIGEST_RE = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const HEX64_RE = /^[a-f0-9]{64}$/;
/** Longest name (domain/path) the Distribution registry accepts. */
const NAME_MAX = 255;

function bad(input: string, reason: string): BadReferenceError {
  return new BadReferenceError(`invalid image reference "${input}": ${reason}`);
}

/** Hosts served over plain HTTP unless told otherwise, as Docker does for local registries. */
export function isLocalRegistry(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function validateDigest(input: string, digest: string): void {
  if (!DIGEST_RE.test(digest)) {
    throw bad(input, `digest "${digest}" is not algorithm:hex (e.g. sha256: and 64 hex digits)`);
  }
  const [algorithm, hex = ''] = digest.split(':');
  if (algorithm === 'sha256' && !HEX64_RE.test(hex)) {
    throw bad(input, 'a sha256 digest has exactly 64 lowercase hex digits');
  }
  if (algorithm === 'sha512' && !/^[a-f0-9]{128}$/.test(hex)) {
    throw bad(input, 'a sha512 digest has exactly 128 lowercase hex digits');
  }
}

/**
 * Parses `[registry[:port]/]path[:tag][@digest]` and normalises Docker Hub names. Throws
 * BadReferenceError with the reason and the offending part.
 */
export function parseImageReference(input: string): ImageReference {
  if (input === '') throw bad(input, 'it is empty; expected e.g. "nginx", "ghcr.io/acme/web:1.2"');
  if (/\s/.test(input)) throw bad(input, 'it contains whitespace');
  if (/^[a-z]+:\/\//i.test(input)) {
    throw bad(input, 'remove the URL scheme: references are written "host/repository", not "https://host/…"');
  }

  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    validateDigest(input, digest);
  }

  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) {
      throw bad(
        input,
        `tag "${tag}" is not valid (letters, digits, "_", "." and "-", at most 128, not starting with "." or "-")`,
      );
    }
  }

  // Docker's rule: the first component is a registry when it looks like a host (has "." or ":", is
  // "localhost", or has capitals, which repository paths never do); otherwise the name is on Docker Hub.
  const slash = rest.indexOf('/');
  let domain = DOCKER_HUB_DOMAIN;
  let path = rest;
  if (slash !== -1) {
    const first = rest.slice(0, slash);
    if (/[.:[]/.test(first) || first === 'localhost' || first !== first.toLowerCase()) {
      domain = first;
      path = rest.slice(slash + 1);
    }
  }
  if (domain.startsWith('[')) {
    throw bad(input, 'IPv6 literal registry hosts are not supported; use a host name or an IPv4 address');
  }
  const domainMatch = DOMAIN_RE.exec(domain);
  if (!domainMatch) throw bad(input, `registry host "${domain}" is not a valid host[:port]`);
  const port = domainMatch[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
    throw bad(input, `port ${port} is out of range`);
  }
  domain = domain.toLowerCase();
  if (DOCKER_HUB_ALIASES.has(domain)) domain = DOCKER_HUB_DOMAIN;

  if (path === '') throw bad(input, 'the repository path is empty');
  if (path !== path.toLowerCase()) throw bad(input, 'repository names must be lowercase');
  if (!PATH_RE.test(path)) {
    throw bad(
      input,
      `repository "${path}" is not valid: use lowercase letters, digits and single separators (".", "_", "__", "-") between "/"-separated parts`,
    );
  }
  if (domain === DOCKER_HUB_DOMAIN && HEX64_RE.test(path)) {
    throw bad(input, 'a 64-hex-digit string is an image ID, not a repository');
  }
  if (domain === DOCKER_HUB_DOMAIN && !path.includes('/')) path = `library/${path}`;
  if (domain.length + 1 + path.length > NAME_MAX)
    throw bad(input, `the name is longer than ${NAME_MAX} characters`);

  return {
    domain,
    registry: domain === DOCKER_HUB_DOMAIN ? DOCKER_HUB_REGISTRY : domain,
    repository: path,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
}

/** Fully qualified `domain/repository[:tag][@digest]`, the form that is unambiguous in messages and status. */
export function formatReference(ref: ImageReference): string {
  let out = `${ref.domain}/${ref.repository}`;
  if (ref.tag !== undefined) out += `:${ref.tag}`;
  if (ref.digest !== undefined) out += `@${ref.digest}`;
  return out;
}

/** `domain/repository` without tag or digest; used in messages and cache keys. */
export function repositoryName(ref: Pick<ImageReference, 'domain' | 'repository'>): string {
  return `${ref.domain}/${ref.repository}`;
}
