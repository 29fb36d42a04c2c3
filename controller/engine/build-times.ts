// The facts newest-build decides on: each candidate tag's image build time. Shared by the controller's
// check and `tagpilot resolve --image`, so both hand the rule the same times for the same registry.
import type { TagFilter } from '../../domain/rules/index.js';
import { filterTags } from '../../domain/rules/index.js';
import {
  RegistryNotFoundError,
  type ImageReference,
  type Platform,
  type RegistryAccess,
  type RegistryClient,
} from '../registry/index.js';

export interface BuildTimesInput {
  ref: ImageReference;
  access: RegistryAccess;
  tags: readonly string[];
  current: string;
  filter?: TagFilter;
  /** For an index: the config of this platform's image (spec.platforms[0]); default the first entry. */
  platform?: Platform;
  /** Tags to ask past the client's digest cache (the current tag, a tag a hook just named). */
  fresh?: ReadonlySet<string>;
}

/**
 * tag -> config `created` for the tags past tagFilter and the current tag. A tag deleted since the
 * listing is left out (the rule explains tags without a time). The registry client caches manifests and
 * configs by digest, so a config is fetched once per process; the per-registry concurrency limit of the
 * client bounds the parallel requests.
 */
export async function buildTimes(
  registry: RegistryClient,
  input: BuildTimesInput,
): Promise<Record<string, string>> {
  const wanted = new Set(filterTags(input.tags, input.filter));
  if (input.tags.includes(input.current)) wanted.add(input.current);
  const out: Record<string, string> = {};
  await Promise.all(
    [...wanted].map(async (tag) => {
      try {
        const created = await registry.getCreated(input.ref, tag, input.access, {
          ...(input.platform ? { platform: input.platform } : {}),
          fresh: input.fresh?.has(tag) ?? false,
        });
        if (created !== undefined) out[tag] = created;
      } catch (err) {
        if (!(err instanceof RegistryNotFoundError)) throw err;
      }
    }),
  );
  return out;
}

/** Whether any rule needs build times. */
export function needsBuildTimes(rules: readonly { type: string }[]): boolean {
  return rules.some((r) => r.type === 'newest-build');
}
