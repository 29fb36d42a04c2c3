// The registry check of one Image: pull secrets → tag list → rules in order (skipping candidates that
// lack a platform of spec.platforms) → the digest to record. Reads only; throws what classifyError
// understands.
import { errorMessage } from '../../common/errors.js';
import type { Image } from '../../crds/index.js';
import type { PullSecretReader } from '../kube/secrets.js';
import {
  BadReferenceError,
  RegistryNotFoundError,
  credentialsFromPullSecrets,
  formatPlatform,
  parseImageReference,
  parsePlatform,
  platformMatches,
  repositoryName,
  type ImageReference,
  type Platform,
  type RegistryAccess,
  type RegistryClient,
} from '../registry/index.js';
import type { ImageFirstSeen } from '../../crds/index.js';
import { rejectedDigests, rejectedTags } from '../../domain/health/rejected.js';
import { parseDuration } from '../../domain/schedule/duration.js';
import { tagAge } from '../../domain/schedule/tag-age.js';
import { buildTimes, needsBuildTimes } from './build-times.js';
import { rememberCredentials } from './check-secrets.js';
import { TagsError } from './classify.js';
import { decideRules, needsCurrentDigest, type RulesOutcome } from './decide.js';

/** How many candidates (lacking a required platform, younger than minTagAge) are skipped before giving up. */
const MAX_SKIPS = 10;

export interface CheckDeps {
  registry: RegistryClient;
  secrets: PullSecretReader;
  now?: () => Date;
}

/** A candidate skipped for spec.minTagAge, and when it comes of age. */
export interface YoungTag {
  tag: string;
  eligibleAt: Date;
  /** What its age counts from (the image's build time, or when the controller first saw it). */
  source: 'built' | 'first seen';
}

/** What the registry and the rules said about an Image. */
export interface Checked {
  ref: ImageReference;
  repository: string;
  tags: readonly string[];
  /** The tag the Image is at: status.tag, else spec.baseTag, else latest. */
  current: string;
  outcome: RulesOutcome;
  /** Digest to record for status.tag after this check. */
  digest: string | undefined;
  /** How the registry was reached (pull secrets, cloud identity), for later lookups of this Image. */
  access: RegistryAccess;
  /** Tags a hook named that the registry did not have (yet). */
  notFound: readonly string[];
  /** Candidates skipped because they are younger than spec.minTagAge. */
  young: YoungTag[];
  /** status.firstSeen after this check, not yet pruned (undefined: leave it as it is). */
  firstSeen: ImageFirstSeen[] | undefined;
}

/**
 * Asks the registry (`fresh`: bypassing its cache) and runs the rules. `pushed`: tags a webhook named;
 * each one the listing lacks is looked up by manifest and, when it exists, considered with the rest.
 */
export async function checkImage(
  deps: CheckDeps,
  image: Image,
  fresh: boolean,
  pushed: readonly string[] = [],
): Promise<Checked> {
  const { spec } = image;
  const namespace = image.metadata.namespace ?? 'default';
  const ref = parseImageReference(spec.image);
  if (ref.tag !== undefined || ref.digest !== undefined) {
    throw new BadReferenceError(
      `"${spec.image}" names a ${ref.digest ? 'digest' : 'tag'}; spec.image is the repository only (put the starting tag in spec.baseTag)`,
    );
  }
  const repository = repositoryName(ref);
  const secrets = spec.imagePullSecrets?.length
    ? await deps.secrets.read(namespace, spec.imagePullSecrets)
    : [];
  const access: RegistryAccess = {
    credentials: credentialsFromPullSecrets(secrets, ref),
    cloudAuth: spec.cloudAuth,
    insecureSkipTLSVerify: spec.insecureSkipTLSVerify,
    plainHTTP: spec.plainHTTP,
  };
  rememberCredentials(image, access.credentials);
  const { registry } = deps;
  const { tags, notFound } = await withPushed(
    registry,
    ref,
    access,
    await registry.listTags(ref, access, { fresh }),
    pushed,
  );
  if (tags.length === 0) {
    throw new TagsError(
      `registry ${ref.registry} lists no tags for ${repository}; push a tag, or check spec.image and the pull secret's permissions`,
    );
  }
  const statusTag = image.status?.tag;
  const current = statusTag || spec.baseTag || 'latest';
  const listed = tags.includes(current);
  const digests: Record<string, string> = {};
  if (listed && needsCurrentDigest(spec.rules)) {
    digests[current] = await registry.getDigest(ref, current, access, { fresh });
  }
  const created = needsBuildTimes(spec.rules)
    ? await buildTimes(registry, {
        ref,
        access,
        tags,
        current,
        filter: spec.tagFilter,
        platform: platforms(image)[0],
        fresh: new Set(fresh ? [current, ...pushed] : pushed),
      })
    : undefined;
  const decided = await decideWithPlatforms(deps, image, {
    ref,
    access,
    tags,
    current,
    created,
    currentPath: statusTag ? 'status.tag' : 'spec.baseTag',
    digests,
  });
  const { outcome, young } = decided;
  // Without minTagAge nothing is remembered (and what was is dropped).
  const firstSeen = decided.seen ?? (image.status?.firstSeen?.length ? [] : undefined);

  let digest: string | undefined;
  if (outcome.kind === 'change') {
    digest = outcome.digest ?? (await registry.getDigest(ref, outcome.tag, access, { fresh }));
  } else if (outcome.digest !== undefined) {
    digest = outcome.digest;
  } else if (image.status?.digest && statusTag) {
    digest = image.status.digest;
  } else if (listed) {
    // First check of this tag: record what it points at (one HEAD, shared by every Image on the tag).
    digest = digests[current] ?? (await registry.getDigest(ref, current, access, { fresh }));
  }
  return { ref, repository, tags, current, outcome, digest, access, notFound, young, firstSeen };
}

/** The listed tags plus the pushed ones the registry has a manifest for (one HEAD each, uncached). */
async function withPushed(
  registry: RegistryClient,
  ref: ImageReference,
  access: RegistryAccess,
  listed: readonly string[],
  pushed: readonly string[],
): Promise<{ tags: readonly string[]; notFound: string[] }> {
  const missing = pushed.filter((t) => !listed.includes(t));
  if (missing.length === 0) return { tags: listed, notFound: [] };
  const found = await Promise.all(
    missing.map(async (tag) => {
      try {
        await registry.getDigest(ref, tag, access, { fresh: true });
        return tag;
      } catch (err) {
        // A tag named by a hook that the registry does not have (yet, or any more) is not a candidate.
        if (err instanceof RegistryNotFoundError) return undefined;
        throw err;
      }
    }),
  );
  return {
    tags: [...listed, ...found.filter((t): t is string => t !== undefined)],
    notFound: missing.filter((_, i) => found[i] === undefined),
  };
}

interface Candidates {
  ref: ImageReference;
  access: RegistryAccess;
  tags: readonly string[];
  current: string;
  currentPath: 'status.tag' | 'spec.baseTag';
  digests: Record<string, string>;
  created: Record<string, string> | undefined;
}

function platforms(image: Image): Platform[] {
  return (image.spec.platforms ?? []).map((p, i) => {
    try {
      return parsePlatform(p);
    } catch (err) {
      throw new BadReferenceError(`spec.platforms[${i}]: ${errorMessage(err)}`);
    }
  });
}

interface Decided {
  outcome: RulesOutcome;
  young: YoungTag[];
  /** status.firstSeen as the age checks left it (undefined without spec.minTagAge). */
  seen: ImageFirstSeen[] | undefined;
}

/**
 * The rules' decision, passing over candidates that lack a platform of spec.platforms or are younger
 * than spec.minTagAge (the next best candidate is considered instead).
 */
async function decideWithPlatforms(deps: CheckDeps, image: Image, c: Candidates): Promise<Decided> {
  const { spec } = image;
  const wanted = platforms(image);
  const minAgeMs = spec.minTagAge ? parseDuration(spec.minTagAge) : 0;
  let seen = minAgeMs > 0 ? [...(image.status?.firstSeen ?? [])] : undefined;
  const excluded = new Set<string>();
  const lacking: string[] = [];
  const young: YoungTag[] = [];
  let outcome: RulesOutcome;
  for (;;) {
    outcome = decideRules({
      rules: spec.rules,
      current: c.current,
      currentPath: c.currentPath,
      tags: c.tags,
      filter: spec.tagFilter,
      currentDigest: image.status?.digest,
      digests: c.digests,
      created: c.created,
      excluded,
      rejected: rejectedTags(image.status?.rejected),
      rejectedDigests: rejectedDigests(image.status?.rejected),
    });
    if (outcome.kind !== 'change') break;
    const missing =
      outcome.digestRule || wanted.length === 0
        ? []
        : await missingPlatforms(deps.registry, c.ref, outcome.tag, c.access, wanted);
    if (missing.length > 0) {
      lacking.push(`${outcome.tag} (no ${missing.join(', ')})`);
    } else {
      if (seen === undefined) break;
      const now = deps.now?.() ?? new Date();
      const created = await createdOf(deps.registry, c, outcome.tag, wanted[0], outcome.digestRule);
      const aged = tagAge({
        tag: outcome.tag,
        ...(outcome.digestRule && outcome.digest ? { digest: outcome.digest } : {}),
        created,
        seen,
        minAgeMs,
        now,
      });
      seen = aged.seen;
      if (now.getTime() >= aged.age.eligibleAt) break;
      young.push({ tag: outcome.tag, eligibleAt: new Date(aged.age.eligibleAt), source: aged.age.source });
      // The digest rule has one candidate: the new digest of the current tag.
      if (outcome.digestRule) {
        outcome = { kind: 'none', reasons: [] };
        break;
      }
    }
    excluded.add(outcome.tag);
    if (excluded.size >= MAX_SKIPS) {
      outcome = { kind: 'none', reasons: [`the ${MAX_SKIPS} best candidates were skipped`] };
      break;
    }
  }
  if (outcome.kind === 'none') {
    const reasons = [...outcome.reasons];
    if (lacking.length > 0) reasons.push(`skipped for spec.platforms: ${lacking.join('; ')}`);
    if (young.length > 0) reasons.push(youngReason(spec.minTagAge ?? '', young));
    outcome = { ...outcome, reasons };
  }
  return { outcome, young, seen };
}

function youngReason(minTagAge: string, young: readonly YoungTag[]): string {
  const each = young.map(
    (y) =>
      `${y.tag} (${y.source === 'built' ? 'built' : 'first seen'} less than ${minTagAge} ago; old enough at ${y.eligibleAt.toISOString()})`,
  );
  return `younger than spec.minTagAge ${minTagAge}, skipped: ${each.join('; ')}`;
}

/** The build time of a candidate (undefined when unknown, or when the tag vanished since the listing). */
async function createdOf(
  registry: RegistryClient,
  c: Candidates,
  tag: string,
  platform: Platform | undefined,
  fresh: boolean,
): Promise<string | undefined> {
  if (c.created && tag in c.created) return c.created[tag];
  try {
    return await registry.getCreated(c.ref, tag, c.access, { ...(platform ? { platform } : {}), fresh });
  } catch (err) {
    if (err instanceof RegistryNotFoundError) return undefined;
    throw err;
  }
}

async function missingPlatforms(
  registry: RegistryClient,
  ref: ImageReference,
  tag: string,
  access: RegistryAccess,
  wanted: Platform[],
): Promise<string[]> {
  const offered = await registry.getPlatforms(ref, tag, access);
  return wanted.filter((w) => !offered.some((o) => platformMatches(w, o.platform))).map(formatPlatform);
}
