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
import { admissionDuration, admissionRequests, pinnedContainers } from './metrics.js';
import { pinPatch } from './mutate.js';
import { alertConfigErrors, imageErrors } from './validate.js';

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

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `AdmissionReview larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function mutate(request: AdmissionRequest, opts: AdmissionHandlerOptions): AdmissionResponse {
  const { uid, kind, namespace, object } = request;
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return allow(uid);
  const pins = opts.pins.pinsFor(namespace ?? '');
  const result = pinPatch(kind.group, kind.kind, object, pins);
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
    const started = process.hrtime.bigint();
    const path = (req.url ?? '/').split('?')[0];
    const webhook: Webhook | undefined =
      path === MUTATE_PATH ? 'mutate' : path === VALIDATE_PATH ? 'validate' : undefined;
    if (webhook === undefined || req.method !== 'POST') {
      res.writeHead(webhook === undefined ? 404 : 405, { 'content-type': 'text/plain' });
      res.end(webhook === undefined ? 'not found: use POST /mutate or POST /validate' : 'use POST');
      return;
    }
    let kind = '';
    readBody(req)
      .then((body) => {
        const request = parseAdmissionReview(body);
        kind = request.kind.kind;
        const response = webhook === 'mutate' ? mutate(request, opts) : validate(request);
        const json = reviewResponse(response);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
        res.end(json);
        admissionRequests.inc({ webhook, kind, outcome: outcome(response) });
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
      })
      .catch((err: unknown) => {
        const status =
          err instanceof HttpError ? err.status : err instanceof BadAdmissionReviewError ? 400 : 500;
        admissionRequests.inc({ webhook, kind, outcome: 'error' });
        opts.log.warn({ webhook, kind, status, err: errorMessage(err) }, 'admission request failed');
        if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(errorMessage(err));
      })
      .finally(() => {
        admissionDuration.observe({ webhook }, Number(process.hrtime.bigint() - started) / 1e9);
      });
  };
}

/** Compiles the schema validators before the first request, so its latency stays within the timeout. */
export function warmUpValidators(): void {
  imageErrors({});
  alertConfigErrors({});
}
