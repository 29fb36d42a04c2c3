// Platforms as OCI indexes describe them (os/architecture[/variant]) and the matching rules of
// containerd's platforms package, reduced to what picking one image from an index needs.
import { BadReferenceError } from './errors.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

const ARCH_ALIASES: Record<string, string> = {
  x86_64: 'amd64',
  'x86-64': 'amd64',
  aarch64: 'arm64',
  armhf: 'arm',
  armel: 'arm',
  i386: '386',
};

/** Variants an architecture has when none is written (linux/arm64 is arm64/v8, linux/arm is arm/v7). */
const DEFAULT_VARIANT: Record<string, string> = { arm64: 'v8', arm: 'v7' };

/** Folds aliases (x86_64, aarch64) and default variants so that equal platforms compare equal. */
export function normalizePlatform(p: Platform): Platform {
  const os = p.os.toLowerCase();
  const architecture = ARCH_ALIASES[p.architecture.toLowerCase()] ?? p.architecture.toLowerCase();
  const variant = (p.variant ?? '').toLowerCase() || DEFAULT_VARIANT[architecture];
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

/** Parses `os/arch[/variant]` (as in `--platform linux/arm64`). */
export function parsePlatform(text: string): Platform {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[A-Za-z0-9_.-]+$/.test(p))) {
    throw new BadReferenceError(
      `invalid platform "${text}": expected os/architecture[/variant], e.g. linux/arm64`,
    );
  }
  const [os = '', architecture = '', variant] = parts;
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

export function formatPlatform(p: Platform): string {
  return p.variant ? `${p.os}/${p.architecture}/${p.variant}` : `${p.os}/${p.architecture}`;
}

/** Whether an image built for `offered` is what someone asking for `wanted` means. */
export function platformMatches(wanted: Platform, offered: Platform): boolean {
  const w = normalizePlatform(wanted);
  const o = normalizePlatform(offered);
  return w.os === o.os && w.architecture === o.architecture && w.variant === o.variant;
}

/** Same os and architecture, whatever the variants (a Node's labels never name one). */
export function sameOsArchitecture(a: Platform, b: Platform): boolean {
  const x = normalizePlatform(a);
  const y = normalizePlatform(b);
  return x.os === y.os && x.architecture === y.architecture;
}
