// Reading an image config blob (platform, build time) and choosing which image of an index speaks for a
// tag. The client fetches and caches; these decide what an answer means.
import { platformMatches, type Platform } from '../../domain/image/platform.js';
import type { PlatformImage } from './client-options.js';
import { RegistryBadResponseError, RegistryNotFoundError } from './errors.js';
import { configFacts, type ConfigFacts } from './manifest.js';
import type { HttpResponse } from './transport.js';

/** The facts of a config blob answer; `name` is `repo:tag` for messages. An unreadable config has none. */
export function configFromAnswer(res: HttpResponse, registry: string, name: string): ConfigFacts {
  if (res.status === 404)
    throw new RegistryNotFoundError(`the image config of ${name} is missing on registry ${registry}`, {
      status: 404,
    });
  if (res.status !== 200) {
    throw new RegistryBadResponseError(
      `registry ${registry} answered ${res.status} for the image config of ${name}`,
      { status: res.status },
    );
  }
  try {
    return configFacts(JSON.parse(Buffer.from(res.body).toString('utf8')));
  } catch {
    return {};
  }
}

/** The image of an index whose config stands for the tag: the wanted platform's, else the first. */
export function representativeImage(
  images: readonly PlatformImage[],
  wanted: Platform | undefined,
): PlatformImage | undefined {
  return (wanted ? images.find((i) => platformMatches(wanted, i.platform)) : undefined) ?? images[0];
}
