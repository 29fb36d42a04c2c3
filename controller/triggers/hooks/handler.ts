// The HTTP side of webhook triggers: POST /v1/hooks/<source>. Mounted by the controller on its ops server
// (`handle` option of common/ops-server.ts); answers false for every other path.
//
// Order of checks: known source (404) → POST (405) → receiver enabled (404) → content type (415) →
// body size (413) → authentication and replay window (401) → JSON and payload shape (400) → onHook (202,
// or 503 when the controller failed).
// The 202 answers what is known at once — which Images follow the repository and whether their rules
// could pick the named tag (tagFilter and rule, from the spec) — while the evaluation runs afterwards.
// Nothing is triggered before authentication passed, and no secret, token, signature or body is logged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorMessage } from '../../../common/errors.js';
import { scrubSecrets } from '../../../domain/scrub.js';
import type { Logger } from '../../../common/logger.js';
import { parseImageReference } from '../../registry/index.js';
import { hookImagesTriggered, hooksReceived, type HookOutcome } from '../metrics.js';
import { checkTimestamp, TIMESTAMP_HEADER, verifySignature, verifyToken, type AuthResult } from './auth.js';
import { BodyTooLargeError, DEFAULT_MAX_BODY_BYTES, readBody } from './body.js';
import { parseDistribution } from './distribution.js';
import { parseDockerHub } from './dockerhub.js';
import { parseGeneric } from './generic.js';
import { parseGitHub } from './github.js';
import { parseHarbor } from './harbor.js';
import type { Json } from './json.js';
import { toHookEvents } from './normalise.js';
import { parseQuay } from './quay.js';
import { secretsFor, type HookSecrets } from './secrets.js';
import {
  BadPayloadError,
  HOOK_SOURCES,
  type HookEvent,
  type HookMatch,
  type HookImageResult,
  type HookSource,
  MAX_HOOK_RESULTS,
  type ParseContext,
  type ParseResult,
} from './types.js';

export const HOOKS_PATH = '/v1/hooks';

type Auth = { kind: 'signature'; header: string; headerName: string } | { kind: 'token' };

interface Receiver {
  auth: Auth;
  parse(body: Json, ctx: ParseContext): ParseResult;
}

const RECEIVERS: Record<HookSource, Receiver> = {
  generic: {
    auth: { kind: 'signature', header: 'x-tagpilot-signature', headerName: 'X-Tagpilot-Signature' },
    parse: parseGeneric,
  },
  github: {
    auth: { kind: 'signature', header: 'x-hub-signature-256', headerName: 'X-Hub-Signature-256' },
    parse: parseGitHub,
  },
  dockerhub: { auth: { kind: 'token' }, parse: parseDockerHub },
  harbor: { auth: { kind: 'token' }, parse: parseHarbor },
  quay: { auth: { kind: 'token' }, parse: parseQuay },
  distribution: { auth: { kind: 'token' }, parse: parseDistribution },
};

export interface HookHandlerOptions {
  /**
   * Queues every Image with a webhook trigger that follows `event.repository` and whose rules could pick
   * the named tag; resolves to the per-Image answers. A rejection answers 503 so that senders which
   * retry (GitHub, Harbor, Distribution) try again.
   */
  onHook(event: HookEvent): Promise<HookMatch>;
  /** Secrets per source; a function is called per request, so rotated secrets apply without a restart. */
  secrets: HookSecrets | (() => HookSecrets);
  /** Larger bodies get 413. Default 1 MiB. */
  maxBodyBytes?: number;
  /** How far a signed X-Tagpilot-Timestamp may be from now. Default 5 min. */
  replayWindowMs?: number;
  now?: () => number;
  logger?: Logger;
}

export const DEFAULT_REPLAY_WINDOW_MS = 5 * 60_000;

/**
 * Every sender posts JSON (Distribution as application/vnd.docker.distribution.events.v1+json). A form
 * (curl -d without -H, GitHub's "application/x-www-form-urlencoded" setting) gets 415 and the fix.
 */
function jsonContentType(value: string | undefined): boolean {
  if (value === undefined || value.trim() === '') return true;
  const type = value.split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

export type HookHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export function createHookHandler(opts: HookHandlerOptions): HookHandler {
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const replayWindowMs = opts.replayWindowMs ?? DEFAULT_REPLAY_WINDOW_MS;
  const now = opts.now ?? Date.now;
  const log = opts.logger;

  return async (req, res) => {
    const rawUrl = req.url ?? '/';
    const query = rawUrl.indexOf('?');
    const path = query === -1 ? rawUrl : rawUrl.slice(0, query);
    if (path !== HOOKS_PATH && !path.startsWith(`${HOOKS_PATH}/`)) return false;
    const params = new URLSearchParams(query === -1 ? '' : rawUrl.slice(query + 1));

    const name = path.slice(HOOKS_PATH.length + 1).replace(/\/+$/, '');
    const source = (HOOK_SOURCES as readonly string[]).includes(name) ? (name as HookSource) : undefined;
    const reply = (
      status: number,
      outcome: HookOutcome,
      body: object,
      headers: Record<string, string> = {},
    ) => {
      hooksReceived.inc({ source: source ?? 'unknown', outcome });
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
      res.end(JSON.stringify(body));
      return true;
    };

    if (source === undefined) {
      return reply(404, 'not_found', {
        error: `no webhook receiver at ${path}; use ${HOOK_SOURCES.map((s) => `${HOOKS_PATH}/${s}`).join(', ')}`,
      });
    }
    if (req.method !== 'POST') {
      return reply(405, 'method_not_allowed', { error: `use POST for ${path}` }, { allow: 'POST' });
    }
    const receiver = RECEIVERS[source];
    const secrets = secretsFor(typeof opts.secrets === 'function' ? opts.secrets() : opts.secrets, source);
    if (secrets.length === 0) {
      log?.warn({ source }, 'webhook for a disabled receiver: no secret is configured for it');
      return reply(404, 'disabled', {
        error: `the ${source} receiver is disabled: the controller has no secret for it (see docs/triggers.md)`,
      });
    }

    const contentType = header(req, 'content-type');
    if (!jsonContentType(contentType)) {
      res.once('finish', () => req.destroy());
      return reply(
        415,
        'unsupported_media_type',
        {
          error: `content type ${JSON.stringify(contentType)} is not supported: send the JSON payload as application/json`,
        },
        { connection: 'close' },
      );
    }

    let body: Buffer;
    try {
      body = await readBody(req, maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        // Stop reading: the rest of an oversized body is not worth the bandwidth, nor the connection.
        res.once('finish', () => req.destroy());
        return reply(
          413,
          'too_large',
          { error: `the body is larger than ${maxBodyBytes} bytes` },
          { connection: 'close' },
        );
      }
      throw err;
    }

    const timestamp = header(req, TIMESTAMP_HEADER);
    let auth: AuthResult =
      receiver.auth.kind === 'signature'
        ? verifySignature(
            body,
            header(req, receiver.auth.header),
            receiver.auth.headerName,
            secrets,
            timestamp,
          )
        : verifyToken(header(req, 'authorization'), params.get('token') ?? undefined, secrets);
    // Only a signed timestamp counts (for token receivers anyone holding the token could forge one).
    if (auth.ok && receiver.auth.kind === 'signature' && timestamp !== undefined) {
      auth = checkTimestamp(timestamp, now(), replayWindowMs);
    }
    if (!auth.ok) {
      log?.warn(
        { source, remote: req.socket.remoteAddress, reason: auth.reason },
        'webhook authentication failed',
      );
      return reply(401, 'unauthorized', { error: `authentication failed: ${auth.reason}` });
    }

    let events: HookEvent[];
    try {
      let json: Json;
      try {
        json = JSON.parse(body.toString('utf8')) as Json;
      } catch (err) {
        throw new BadPayloadError(`the body is not valid JSON: ${errorMessage(err)}`);
      }
      const ctx: ParseContext = { headers: req.headers };
      const registry = params.get('registry');
      if (registry !== null) ctx.registry = checkRegistry(registry);
      const result = receiver.parse(json, ctx);
      if (result.kind === 'ping') {
        log?.info({ source }, 'webhook ping');
        return reply(200, 'ping', { ok: true });
      }
      if (result.kind === 'ignored') {
        log?.debug({ source, reason: result.reason }, 'webhook ignored');
        return reply(202, 'ignored', { triggered: 0, ignored: result.reason });
      }
      events = toHookEvents(source, result.events);
    } catch (err) {
      if (!(err instanceof BadPayloadError)) throw err;
      // A parse error quotes the body, which a sender may have signed with or put its token in.
      const reason = scrubSecrets(err.message, [
        ...secrets,
        params.get('token') ?? undefined,
        header(req, 'authorization'),
      ]);
      log?.info({ source, reason }, 'webhook with a bad payload');
      return reply(400, 'bad_request', { error: reason });
    }

    let matched = 0;
    const results: HookImageResult[] = [];
    try {
      for (const answer of await Promise.all(events.map((event) => opts.onHook(event)))) {
        matched += answer.matched;
        results.push(...answer.results);
      }
    } catch (err) {
      log?.error({ source, err: errorMessage(err) }, 'webhook could not trigger Images');
      return reply(503, 'error', { error: 'the controller could not handle this hook now; retry later' });
    }
    const triggered = results.filter((r) => r.accepted).length;
    hookImagesTriggered.inc({ source }, triggered);
    const repositories = events.map((e) => e.repository);
    const tags = events.flatMap((e) => e.tags);
    log?.info({ source, repositories, tags, matched, triggered }, 'webhook received');
    const outcome = triggered > 0 ? 'triggered' : matched > 0 ? 'rejected' : 'no_match';
    return reply(202, outcome, {
      triggered,
      repositories,
      matched,
      results: results.slice(0, MAX_HOOK_RESULTS),
    });
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `?registry=` must be a bare host[:port], as it is put in front of repository paths. */
function checkRegistry(value: string): string {
  const host = value.trim().toLowerCase();
  try {
    // With a two-part path, the host was read as a registry exactly when the path stays as given.
    if (parseImageReference(`${host}/x/y`).repository === 'x/y') return host;
  } catch {
    // reported below
  }
  throw new BadPayloadError(
    `?registry=${value} is not a registry host[:port] such as registry.example.com:5000`,
  );
}
