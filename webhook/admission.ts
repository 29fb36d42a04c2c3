// The admission.k8s.io/v1 AdmissionReview wire format: only the fields Tagpilot reads or writes.
// Hand-written because @kubernetes/client-node does not ship admission types.

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  subResource?: string;
  name?: string;
  namespace?: string;
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  object?: unknown;
  oldObject?: unknown;
  /** The CreateOptions/UpdateOptions/PatchOptions of the request; fieldManager names the writer. */
  options?: { fieldManager?: unknown };
  dryRun?: boolean;
}

export interface StatusCause {
  field: string;
  message: string;
  reason?: string;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: {
    code?: number;
    reason?: string;
    message?: string;
    details?: { group?: string; kind?: string; name?: string; causes?: StatusCause[] };
  };
  patchType?: 'JSONPatch';
  /** base64 of the JSON patch. */
  patch?: string;
  /** Shown by kubectl as `Warning: …`. */
  warnings?: string[];
}

export interface AdmissionReview {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  request?: AdmissionRequest;
  response?: AdmissionResponse;
}

/** One RFC 6902 operation; Tagpilot only ever replaces image strings. */
export interface JsonPatchOp {
  op: 'replace';
  path: string;
  value: string;
}

/** Thrown for a body that is not an AdmissionReview with a request; the server answers 400. */
export class BadAdmissionReviewError extends Error {
  override readonly name = 'BadAdmissionReviewError';
}

/** Parses and checks the parts of an AdmissionReview every handler relies on. */
export function parseAdmissionReview(body: string): AdmissionRequest {
  let review: unknown;
  try {
    review = JSON.parse(body);
  } catch {
    throw new BadAdmissionReviewError(
      'the body is not JSON; expected an admission.k8s.io/v1 AdmissionReview',
    );
  }
  const r = review as Partial<AdmissionReview> | null;
  if (r?.apiVersion !== 'admission.k8s.io/v1' || r.kind !== 'AdmissionReview') {
    throw new BadAdmissionReviewError(
      'expected apiVersion admission.k8s.io/v1 and kind AdmissionReview; set admissionReviewVersions: [v1]',
    );
  }
  const req = r.request;
  if (!req || typeof req.uid !== 'string' || !req.kind || typeof req.operation !== 'string') {
    throw new BadAdmissionReviewError('the AdmissionReview has no request with uid, kind and operation');
  }
  return req;
}

export function reviewResponse(response: AdmissionResponse): string {
  const review: AdmissionReview = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
  return JSON.stringify(review);
}

export function allow(uid: string, warnings?: string[]): AdmissionResponse {
  return warnings && warnings.length > 0 ? { uid, allowed: true, warnings } : { uid, allowed: true };
}

export function allowWithPatch(uid: string, patch: JsonPatchOp[], warnings?: string[]): AdmissionResponse {
  if (patch.length === 0) return allow(uid, warnings);
  // Built field by field: this runs for every pinned Pod, and object spread here cost more than the
  // JSON and base64 work together.
  const response: AdmissionResponse = {
    uid,
    allowed: true,
    patchType: 'JSONPatch',
    patch: Buffer.from(JSON.stringify(patch)).toString('base64'),
  };
  if (warnings && warnings.length > 0) response.warnings = warnings;
  return response;
}

/**
 * A rejection shaped like the apiserver's own validation errors (422 Invalid with causes), so kubectl
 * prints `The Image "web" is invalid: spec.triggers[0].value: …` as for a schema error, while API
 * clients read `admission webhook "…" denied the request: Image web is invalid: …` in the message.
 */
export function deny(
  uid: string,
  target: { group: string; kind: string; name?: string },
  causes: StatusCause[],
): AdmissionResponse {
  const what = `${target.kind}${target.name ? ` ${target.name}` : ''}`;
  const message = `${what} is invalid: ${causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join('; ')}`;
  return {
    uid,
    allowed: false,
    status: {
      code: 422,
      reason: 'Invalid',
      message,
      details: {
        group: target.group,
        kind: target.kind,
        ...(target.name ? { name: target.name } : {}),
        causes: causes.map((c) => ({ reason: c.reason ?? 'FieldValueInvalid', ...c })),
      },
    },
  };
}
