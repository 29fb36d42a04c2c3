// How much of a registry's answer the client reads. Every body is read through common/bounded-body.ts, so
// a registry that streams without end (or announces gigabytes) costs at most these many bytes of memory
// per request; the numbers are documented in docs/registries.md ("Limits").
import type { RequestKind } from './metrics.js';

export const MiB = 1024 * 1024;

/** Largest successful body per kind of request. */
export const BODY_LIMITS: Readonly<Record<RequestKind, number>> = {
  // Every page of one repository's tag list together: ~500,000 tags of 30 characters, or a GCR-style
  // list that carries a manifest map. Pages are read one after another, so this bounds the whole list.
  tags: 16 * MiB,
  // containerd's limit for manifests and indexes; Distribution and most registries refuse larger pushes.
  manifest_get: 4 * MiB,
  manifest_head: 0,
  // Image configs are a few KiB; large build histories stay far below this.
  blob: 8 * MiB,
  token: 1 * MiB,
};

/** Of an error answer (4xx/5xx) only this much is read: enough for any Distribution error document. */
export const ERROR_BODY_LIMIT = 64 * 1024;

/** `16 MiB`, `64 KiB`: how limits are written in messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
