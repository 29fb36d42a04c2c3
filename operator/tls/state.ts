// Whether the certificates in the webhook Secret can stay, as a pure function of their content and the
// clock: the leader reissues when they are missing, broken, for other host names, or due for renewal.
import { createPrivateKey } from 'node:crypto';
import { certificateInfo, splitPemBundle } from './certs.js';

/** Keys of the webhook Secret; the same names cert-manager writes, so its Secret can be used as is. */
export const CA_KEY = 'ca.crt';
export const CERT_KEY = 'tls.crt';
export const KEY_KEY = 'tls.key';

export interface CertificateData {
  [CA_KEY]?: string;
  [CERT_KEY]?: string;
  [KEY_KEY]?: string;
}

export type CertificateState =
  { action: 'keep'; renewAt: Date; notAfter: Date } | { action: 'issue'; reason: string };

export interface StateOptions {
  hosts: readonly string[];
  now: Date;
  renewBeforeMs: number;
  /** Configured lifetime: a certificate issued for longer (the flag was lowered) is reissued. */
  validityMs?: number;
}

/** Issued certificates start 5 minutes early (certs.ts); allow that and a minute of rounding. */
const LIFETIME_SLACK_MS = 6 * 60_000;

export function certificateState(data: CertificateData | undefined, opts: StateOptions): CertificateState {
  if (!data) return { action: 'issue', reason: 'the Secret does not exist' };
  for (const key of [CA_KEY, CERT_KEY, KEY_KEY] as const) {
    if (!data[key]) return { action: 'issue', reason: `the Secret has no ${key}` };
  }
  let info;
  try {
    info = certificateInfo(data[CERT_KEY]!);
    const ca = splitPemBundle(data[CA_KEY]!).map((pem) => certificateInfo(pem).x509);
    if (!ca.some((c) => info!.x509.checkIssued(c) && info!.x509.verify(c.publicKey))) {
      return { action: 'issue', reason: `${CERT_KEY} was not signed by a CA in ${CA_KEY}` };
    }
    if (!info.x509.checkPrivateKey(createPrivateKey(data[KEY_KEY]!))) {
      return { action: 'issue', reason: `${KEY_KEY} does not belong to ${CERT_KEY}` };
    }
  } catch (err) {
    return {
      action: 'issue',
      reason: `the Secret does not hold PEM certificates and key: ${(err as Error).message}`,
    };
  }
  const missing = opts.hosts.filter((h) => !info.hosts.includes(h));
  if (missing.length > 0) {
    return { action: 'issue', reason: `${CERT_KEY} does not cover ${missing.join(', ')}` };
  }
  const lifetime = info.notAfter.getTime() - info.notBefore.getTime();
  if (opts.validityMs !== undefined && lifetime > opts.validityMs + LIFETIME_SLACK_MS) {
    return {
      action: 'issue',
      reason: `${CERT_KEY} is valid for longer than the configured certificate validity`,
    };
  }
  const renewAt = new Date(info.notAfter.getTime() - opts.renewBeforeMs);
  if (opts.now >= renewAt) {
    return {
      action: 'issue',
      reason: `${CERT_KEY} expires at ${info.notAfter.toISOString()}, due for renewal`,
    };
  }
  return { action: 'keep', renewAt, notAfter: info.notAfter };
}
