import { describe, expect, it } from 'vitest';
import { MediaTypes, baseMediaType, parseManifest, platformOfConfig, sha256Digest } from './manifest.js';

describe('parseManifest', () => {
  it('reads the entries of an OCI index, BuildKit attestations included', () => {
    const index = {
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: [
        {
          mediaType: MediaTypes.ociManifest,
          digest: 'sha256:a',
          size: 1,
          platform: { os: 'linux', architecture: 'amd64' },
        },
        {
          mediaType: MediaTypes.ociManifest,
          digest: 'sha256:b',
          size: 1,
          platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
        },
        {
          mediaType: MediaTypes.ociManifest,
          digest: 'sha256:c',
          size: 1,
          platform: { os: 'unknown', architecture: 'unknown' },
        },
      ],
    };
    expect(parseManifest(index, undefined)).toEqual({
      kind: 'index',
      mediaType: MediaTypes.ociIndex,
      entries: [
        {
          digest: 'sha256:a',
          mediaType: MediaTypes.ociManifest,
          platform: { os: 'linux', architecture: 'amd64' },
        },
        {
          digest: 'sha256:b',
          mediaType: MediaTypes.ociManifest,
          platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
        },
        {
          digest: 'sha256:c',
          mediaType: MediaTypes.ociManifest,
          platform: { os: 'unknown', architecture: 'unknown' },
        },
      ],
    });
  });

  it('reads a Docker manifest list served as application/json (mediaType only in the body)', () => {
    const list = {
      schemaVersion: 2,
      mediaType: MediaTypes.dockerManifestList,
      manifests: [{ digest: 'sha256:a', platform: { os: 'linux', architecture: 'amd64' } }],
    };
    expect(parseManifest(list, 'application/json')).toMatchObject({
      kind: 'index',
      mediaType: MediaTypes.dockerManifestList,
    });
  });

  it('reads an OCI index without mediaType field by its manifests array', () => {
    expect(parseManifest({ schemaVersion: 2, manifests: [] }, undefined)).toMatchObject({
      kind: 'index',
      entries: [],
    });
  });

  it('reads the config digest of an image manifest', () => {
    const manifest = {
      schemaVersion: 2,
      mediaType: MediaTypes.dockerManifest,
      config: { digest: 'sha256:cfg' },
      layers: [],
    };
    expect(parseManifest(manifest, MediaTypes.dockerManifest)).toEqual({
      kind: 'image',
      mediaType: MediaTypes.dockerManifest,
      configDigest: 'sha256:cfg',
    });
  });

  it('returns undefined for documents that are not manifests', () => {
    expect(parseManifest({ hello: 1 }, 'application/json')).toBeUndefined();
    expect(parseManifest([], undefined)).toBeUndefined();
    expect(parseManifest({ mediaType: MediaTypes.ociIndex }, undefined)).toBeUndefined();
  });
});

describe('helpers', () => {
  it('strips media type parameters', () => {
    expect(baseMediaType('application/vnd.oci.image.index.v1+json; charset=utf-8')).toBe(MediaTypes.ociIndex);
    expect(baseMediaType(null)).toBeUndefined();
  });
  it('hashes bodies as sha256 digests', () => {
    expect(sha256Digest(Buffer.from(''))).toBe(
      'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });
  it('reads the platform of an image config', () => {
    expect(platformOfConfig({ os: 'linux', architecture: 'arm64', variant: 'v8', config: {} })).toEqual({
      os: 'linux',
      architecture: 'arm64',
      variant: 'v8',
    });
    expect(platformOfConfig({ config: {} })).toBeUndefined();
  });
});
