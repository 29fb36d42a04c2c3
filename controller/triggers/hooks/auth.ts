// Request authentication for the receivers. Comparisons are constant-time, and over fixed-length hashes
// for tokens, so neither the content nor the length of a secret leaks through timing.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const SIGNATURE_RE = /^sha256=([0-9a-f]{64})$/i;

export type AuthResult = { ok: true } | { ok: false; reason: string };

/**
 * Checks `sha256=<hex>` (GitHub's X-Hub-Signature-256 and our X-Tagpilot-Signature) against each secret.
 * With `timestamp` (the X-Tagpilot-Timestamp header) the signed payload is `<timestamp>.<body>`, so the
 * time cannot be changed without the secret; checkTimestamp then bounds how old a request may be.
 */
export function verifySignature(
  body: Buffer,
  header: string | undefined,
  headerName: string,
  secrets: readonly string[],
  timestamp?: string,
): AuthResult {
  if (header === undefined || header.trim() === '') {
    return { ok: false, reason: `the ${headerName} header is missing` };
  }
  const match = SIGNATURE_RE.exec(header.trim());
  if (!match) return { ok: false, reason: `the ${headerName} header is not "sha256=" and 64 hex digits` };
  const provided = Buffer.from((match[1] as string).toLowerCase(), 'hex');
  let ok = false;
  for (const secret of secrets) {
    const hmac = createHmac('sha256', secret);
    if (timestamp !== undefined) hmac.update(`${timestamp}.`, 'utf8');
    const expected = hmac.update(body).digest();
    // No early return: the time taken does not say which secret (or whether any) matched.
    if (timingSafeEqual(expected, provided)) ok = true;
  }
  return ok
    ? { ok: true }
    : {
        ok: false,
        reason:
          timestamp === undefined
            ? `the ${headerName} signature does not match the body (HMAC-SHA256 of the raw body with the shared secret)`
            : `the ${headerName} signature does not match "<${TIMESTAMP_HEADER_NAME}>.<body>" (HMAC-SHA256 with the shared secret)`,
      };
}

export const TIMESTAMP_HEADER = 'x-tagpilot-timestamp';
export const TIMESTAMP_HEADER_NAME = 'X-Tagpilot-Timestamp';

/**
 * A signed timestamp (Unix seconds) must be within `windowMs` of now, either way: a request captured
 * and sent again later is refused once the window has passed.
 */
export function checkTimestamp(value: string, nowMs: number, windowMs: number): AuthResult {
  if (!/^\d{1,12}$/.test(value.trim())) {
    return {
      ok: false,
      reason: `the ${TIMESTAMP_HEADER_NAME} header is not Unix seconds (e.g. $(date +%s))`,
    };
  }
  const skewMs = Math.abs(nowMs - Number(value.trim()) * 1000);
  if (skewMs > windowMs) {
    return {
      ok: false,
      reason: `the ${TIMESTAMP_HEADER_NAME} is ${Math.round(skewMs / 1000)} s away from the controller's clock, outside the ${Math.round(windowMs / 1000)} s replay window: send a fresh request (and keep clocks in sync)`,
    };
  }
  return { ok: true };
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Checks a shared token given as `?token=`, as `Authorization: Bearer <token>`, or as the whole
 * Authorization value (what Harbor's "Auth Header" and Distribution's endpoint headers send verbatim).
 */
export function verifyToken(
  authorization: string | undefined,
  queryToken: string | undefined,
  secrets: readonly string[],
): AuthResult {
  const candidates: string[] = [];
  if (queryToken !== undefined && queryToken !== '') candidates.push(queryToken);
  if (authorization !== undefined && authorization.trim() !== '') {
    const value = authorization.trim();
    candidates.push(value);
    const bearer = /^Bearer\s+(.+)$/i.exec(value);
    if (bearer) candidates.push((bearer[1] as string).trim());
  }
  if (candidates.length === 0) {
    return {
      ok: false,
      reason: 'no token: add ?token=<secret> to the URL or send Authorization: Bearer <secret>',
    };
  }
  let ok = false;
  for (const candidate of candidates) {
    const given = digest(candidate);
    for (const secret of secrets) if (timingSafeEqual(given, digest(secret))) ok = true;
  }
  return ok ? { ok: true } : { ok: false, reason: 'the token does not match the configured secret' };
}
