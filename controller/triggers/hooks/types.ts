// What the webhook receivers hand to the controller, and the intermediate shapes of the per-source parsers.
import type { ImageReference } from '../../registry/index.js';

export const HOOK_SOURCES = ['generic', 'dockerhub', 'github', 'harbor', 'quay', 'distribution'] as const;
export type HookSource = (typeof HOOK_SOURCES)[number];

/** One repository named by a hook; the controller evaluates every Image with a webhook trigger on it. */
export interface HookEvent {
  source: HookSource;
  /**
   * Canonical `domain/path`, as `repositoryName(parseImageReference(spec.image))` gives for an Image:
   * `docker.io/library/nginx`, `ghcr.io/acme/web`, `registry.example.com:5000/team/app`.
   */
  repository: string;
  /** The parsed repository (no tag or digest); `registry` is the API host (`registry-1.docker.io`). */
  reference: ImageReference;
  /** The tag the event names (the last one when it names several). */
  tag?: string;
  /** Every tag the event names, in order, without duplicates. */
  tags: string[];
  /** Manifest digest, when the source says it. */
  digest?: string;
}

/** A repository as a payload names it, before normalisation. */
export interface RawEvent {
  repository: string;
  tag?: string;
  digest?: string;
}

/** What a parser made of a payload that passed authentication. */
export type ParseResult =
  | { kind: 'events'; events: RawEvent[] }
  /** A valid payload that asks for nothing (a pull, a delete, a non-container package). */
  | { kind: 'ignored'; reason: string }
  /** GitHub's `ping` when a webhook is created. */
  | { kind: 'ping' };

/** Request details a parser may need besides the body. */
export interface ParseContext {
  headers: Record<string, string | string[] | undefined>;
  /** `?registry=host[:port]`: overrides the registry host for sources whose payload names none reliably. */
  registry?: string;
}

/** A payload that cannot be read: answered with 400 and the message. */
export class BadPayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadPayloadError';
  }
}

/** What the hook did for one Image that follows the named repository. */
export interface HookImageResult {
  /** `namespace/name`. */
  image: string;
  /** The tag the answer is about (absent when the hook names none). */
  tag?: string;
  /** Queued for evaluation: some rule could pick the tag. */
  accepted: boolean;
  reason: string;
}

/** The controller's answer to one HookEvent, computed from the Image specs alone (no registry). */
export interface HookMatch {
  /** Images with a webhook trigger that follow the repository. */
  matched: number;
  /** One entry per matched Image (the response lists the first MAX_HOOK_RESULTS). */
  results: HookImageResult[];
}

/** Responses list this many per-Image results; `matched` still counts every one. */
export const MAX_HOOK_RESULTS = 100;
