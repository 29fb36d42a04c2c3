// Manifest media types and the little of their JSON the client reads: the entries of an index (which
// platform has which digest) and the config digest of an image manifest.
import { createHash } from 'node:crypto';
import type { Platform } from '../../domain/image/platform.js';

export const MediaTypes = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

/**
 * Accept header of every manifest request. Listing the index types means the registry answers with the
 * digest `docker pull` resolves a tag to (the index, not one platform's manifest) and does not convert.
 */
export const MANIFEST_ACCEPT = [
  MediaTypes.ociIndex,
  MediaTypes.dockerManifestList,
  MediaTypes.ociManifest,
  MediaTypes.dockerManifest,
].join(', ');

export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaTypes.ociIndex || mediaType === MediaTypes.dockerManifestList;
}

export function isImageManifestMediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaTypes.ociManifest || mediaType === MediaTypes.dockerManifest;
}

/** Media type without parameters (`; charset=utf-8`). */
export function baseMediaType(contentType: string | null | undefined): string | undefined {
  const base = contentType?.split(';')[0]?.trim().toLowerCase();
  return base === '' ? undefined : base;
}

export function sha256Digest(body: Uint8Array): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

export interface IndexEntry {
  digest: string;
  mediaType?: string;
  platform?: Platform;
}

/** What the client keeps of a manifest; immutable for a digest, so cached without expiry. */
export type ParsedManifest =
  | { kind: 'index'; mediaType: string; entries: IndexEntry[] }
  | { kind: 'image'; mediaType: string; configDigest: string | undefined };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a manifest body. The body's own `mediaType` wins over the Content-Type header because some
 * registries serve everything as application/json; an index is also recognised by its `manifests` array.
 * Returns undefined when the body is not a manifest the client understands.
 */
export function parseManifest(body: unknown, contentType: string | undefined): ParsedManifest | undefined {
  if (!isRecord(body)) return undefined;
  const declared = typeof body.mediaType === 'string' ? body.mediaType : contentType;
  if (Array.isArray(body.manifests) || isIndexMediaType(declared)) {
    if (!Array.isArray(body.manifests)) return undefined;
    const entries: IndexEntry[] = [];
    for (const m of body.manifests) {
      if (!isRecord(m) || typeof m.digest !== 'string') continue;
      const entry: IndexEntry = { digest: m.digest };
      if (typeof m.mediaType === 'string') entry.mediaType = m.mediaType;
      const p = m.platform;
      if (isRecord(p) && typeof p.os === 'string' && typeof p.architecture === 'string') {
        entry.platform = { os: p.os, architecture: p.architecture };
        if (typeof p.variant === 'string' && p.variant !== '') entry.platform.variant = p.variant;
      }
      entries.push(entry);
    }
    return { kind: 'index', mediaType: declared ?? MediaTypes.ociIndex, entries };
  }
  if (isRecord(body.config) || isImageManifestMediaType(declared)) {
    const config =
      isRecord(body.config) && typeof body.config.digest === 'string' ? body.config.digest : undefined;
    return { kind: 'image', mediaType: declared ?? MediaTypes.ociManifest, configDigest: config };
  }
  return undefined;
}

/** os/architecture/variant of an image config blob, when it declares them. */
export function platformOfConfig(config: unknown): Platform | undefined {
  if (!isRecord(config) || typeof config.os !== 'string' || typeof config.architecture !== 'string')
    return undefined;
  const platform: Platform = { os: config.os, architecture: config.architecture };
  if (typeof config.variant === 'string' && config.variant !== '') platform.variant = config.variant;
  return platform;
}

/** What the client keeps of an image config blob: immutable for its digest. */
export interface ConfigFacts {
  platform?: Platform;
  /** `created` as written (RFC 3339); newest-build orders by it. */
  created?: string;
}

export function configFacts(config: unknown): ConfigFacts {
  const facts: ConfigFacts = {};
  const platform = platformOfConfig(config);
  if (platform) facts.platform = platform;
  if (isRecord(config) && typeof config.created === 'string' && config.created.length <= 64)
    facts.created = config.created;
  return facts;
}
