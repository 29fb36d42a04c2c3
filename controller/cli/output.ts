// `-o text|json` of the commands whose answer a script may want to read (`resolve`, `tags`, `digest`):
// one flag definition, one check, and the JSON shapes, so every command spells them the same. Errors stay
// one text line on stderr in both formats (the exit code says what kind); only stdout changes.
import { formatPlatform, type ImageReference, type Platform } from '../registry/index.js';
import type { Decision } from '../../domain/rules/index.js';

export const outputFlagOptions = {
  output: { type: 'string', short: 'o', default: 'text' },
} as const;

export const outputFlagUsage =
  '  -o, --output FORMAT    text (default) or json: one JSON object on stdout (docs/cli.md)';

export type OutputFormat = 'text' | 'json';

/** The --output value, or an Error whose message is the CLI's stderr line. */
export function outputFormat(value: unknown): OutputFormat {
  if (value === 'text' || value === 'json') return value;
  throw new Error(`--output ${String(value)}: unknown format; use text or json`);
}

export function writeJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** `tagpilot tags -o json`. */
export interface TagsJson {
  /** registry/repository as the registry was asked, Docker Hub names normalised (docker.io/library/nginx). */
  repository: string;
  /** In the registry's order, every page. */
  tags: string[];
}

// References are named as users write them (docker.io/library/nginx), not by the API host.
export function tagsJson(ref: ImageReference, tags: readonly string[]): TagsJson {
  return { repository: `${ref.domain}/${ref.repository}`, tags: [...tags] };
}

/** `tagpilot digest -o json`. */
export interface DigestJson {
  /** registry/repository:tag that was asked. */
  reference: string;
  digest: string;
  /** os/arch[/variant] when --platform was given. */
  platform?: string;
}

export function digestJson(ref: ImageReference, digest: string, platform?: Platform): DigestJson {
  const at = ref.digest ? `@${ref.digest}` : `:${ref.tag ?? 'latest'}`;
  return {
    reference: `${ref.domain}/${ref.repository}${at}`,
    digest,
    ...(platform ? { platform: formatPlatform(platform) } : {}),
  };
}

/** `tagpilot resolve -o json`: the decision as the controller sees it. */
export interface ResolveJson {
  rule: string;
  current: string;
  /** A newer tag (or a new digest behind the same tag) qualifies. */
  changed: boolean;
  /** The chosen tag; null when nothing qualifies. */
  tag: string | null;
  /** Digest of the chosen tag, or for a digest rule's first observation the digest to record. */
  digest?: string;
  firstObservation?: boolean;
  reason: string;
  /** The reasoning --explain prints, as data: filter steps, candidates, best first, order. */
  explanation: Decision['explanation'];
}

export function resolveJson(decision: Decision): ResolveJson {
  const e = decision.explanation;
  return {
    rule: e.rule,
    current: e.current,
    changed: decision.kind === 'change',
    tag: decision.kind === 'change' ? decision.tag : null,
    ...(decision.digest === undefined ? {} : { digest: decision.digest }),
    ...(decision.kind === 'none' && decision.firstObservation ? { firstObservation: true } : {}),
    reason: decision.reason,
    explanation: e,
  };
}
