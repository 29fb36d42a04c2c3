// HTTP side of the admission webhooks: `POST /mutate` and `POST /validate` with an AdmissionReview.
// Transport (TLS, ports) belongs to the operator; this module only turns a request into a response.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import type { FieldError } from '../crds/index.js';
import type { Logger } from '../common/logger.js';
import { errorMessage } from '../common/errors.js';
import {
  allow,
  allowWithPatch,
  BadAdmissionReviewError,
  deny,
  parseAdmissionReview,
  reviewResponse,
  type AdmissionRequest,
  type AdmissionResponse,
} from './admission.js';
import type { PinSource } from './image-index.js';
import { countAdmission, observeAdmission, pinnedContainers } from './metrics.js';
import { pinPatch } from './mutate.js';
import { alertConfigErrors } from '../domain/alerts/validate.js';
import { CONTROLLER_FIELD_MANAGER } from '../domain/holds/holds.js';
import { imageErrors } from '../domain/image/validate.js';

export const MUTATE_PATH = '/mutate';
export const VALIDATE_PATH = '/validate';

/** The apiserver sends at most object + oldObject of ≤ 3 MiB each; anything larger is not a review. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface AdmissionHandlerOptions {
  pins: PinSource;
  log: Logger;
}

type Webhook = 'mutate' | 'validate';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads the body with plain stream callbacks: this is the hot path of every Pod creation in an
 * opted-in namespace, and promise plumbing per request is measurable next to a bare HTTPS server.
 */
function readBody(req: IncomingMessage, done: (err: Error | undefined, body: string) => void): void {
  let first: Buffer | undefined;
  let more: Buffer[] | undefined;
  let size = 0;
  let failed = false;
  req.on('data', (chunk: Buffer) => {
    if (failed) return;
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      failed = true;
      done(new HttpError(413, `AdmissionReview larger than ${MAX_BODY_BYTES} bytes`), '');
      req.destroy();
      return;
    }
    if (first === undefined) first = chunk;
    else (more ??= [first]).push(chunk);
  });
  req.on('end', () => {
    if (failed) return;
    done(undefined, more ? Buffer.concat(more).toString('utf8') : (first?.toString('utf8') ?? ''));
  });
  req.on('error', (err) => {
    if (failed) return;
    failed = true;
    done(err, '');
  });
}

function mutate(request: AdmissionRequest, opts: AdmissionHandlerOptions): AdmissionResponse {
  const { uid, kind, namespace, object } = request;
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return allow(uid);
  // The controller's own workload writes (apply, restart, the health gate's rollback) carry what it
  // decided, ahead of the status that is written after them: pinning them to status would undo them.
  if (request.operation === 'UPDATE' && request.options?.fieldManager === CONTROLLER_FIELD_MANAGER) {
    return allow(uid);
  }
  const pins = opts.pins.pinsFor(namespace ?? '');
  const result = pinPatch(
    kind.group,
    kind.kind,
    object,
    pins,
    request.operation === 'UPDATE' ? request.oldObject : undefined,
  );
  if (result.changes.length > 0) {
    pinnedContainers.inc(result.changes.length);
    opts.log.debug(
      { namespace, kind: kind.kind, name: request.name, changes: result.changes, dryRun: request.dryRun },
      'pinned container images',
    );
  }
  return allowWithPatch(uid, result.patch, result.warnings);
}

function specOf(obj: unknown): unknown {
  return (obj as { spec?: unknown } | null | undefined)?.spec;
}

function validate(request: AdmissionRequest): AdmissionResponse {
  const { uid, kind, object, oldObject, operation } = request;
  if (operation !== 'CREATE' && operation !== 'UPDATE') return allow(uid);
  if (kind.group !== 'tagpilot.dev') return allow(uid);
  if (operation === 'UPDATE') {
    // Objects that predate the webhook may be invalid; metadata-only edits (labels, removing a
    // finalizer, deletion) must still go through, so only a changed spec is judged.
    if (isDeepStrictEqual(specOf(object), specOf(oldObject))) return allow(uid);
    if ((object as { metadata?: { deletionTimestamp?: unknown } } | undefined)?.metadata?.deletionTimestamp) {
      return allow(uid);
    }
  }
  let errors: FieldError[];
  if (kind.kind === 'Image') errors = imageErrors(object);
  else if (kind.kind === 'AlertConfig') errors = alertConfigErrors(object);
  else return allow(uid);
  if (errors.length === 0) return allow(uid);
  return deny(
    uid,
    { group: kind.group, kind: kind.kind, ...(request.name ? { name: request.name } : {}) },
    errors,
  );
}

function outcome(response: AdmissionResponse): string {
  if (!response.allowed) return 'denied';
  return response.patch ? 'patched' : 'allowed';
}

/**
 * The request listener of the webhook server. Anything the handler cannot answer correctly becomes an
 * HTTP error, so the apiserver applies the configured failurePolicy instead of a guess.
 */
export function createAdmissionHandler(
  opts: AdmissionHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const started = performance.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const webhook: Webhook | undefined =
      path === MUTATE_PATH ? 'mutate' : path === VALIDATE_PATH ? 'validate' : undefined;
    if (webhook === undefined || req.method !== 'POST') {
      res.writeHead(webhook === undefined ? 404 : 405, { 'content-type': 'text/plain' });
      res.end(webhook === undefined ? 'not found: use POST /mutate or POST /validate' : 'use POST');
      return;
    }
    readBody(req, (readError, body) => {
      let kind = '';
      try {
        if (readError) throw readError;
        const request = parseAdmissionReview(body);
        kind = request.kind.kind;
        const response = webhook === 'mutate' ? mutate(request, opts) : validate(request);
        const json = reviewResponse(response);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
        res.end(json);
        countAdmission(webhook, kind, outcome(response));
        if (!response.allowed) {
          opts.log.info(
            {
              webhook,
              kind,
              namespace: request.namespace,
              name: request.name,
              reason: response.status?.message,
            },
            'admission denied',
          );
        }
      } catch (err) {
        const status =
          err instanceof HttpError ? err.status : err instanceof BadAdmissionReviewError ? 400 : 500;
        countAdmission(webhook, kind, 'error');
        opts.log.warn({ webhook, kind, status, err: errorMessage(err) }, 'admission request failed');
        if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(errorMessage(err));
      }
      observeAdmission(webhook, (performance.now() - started) / 1000);
    });
  };
}

/** Compiles the schema validators before the first request, so its latency stays within the timeout. */
export function warmUpValidators(): void {
  imageErrors({});
  alertConfigErrors({});
}
