// Reading the webhook's certificates back (node:crypto's X509Certificate) and keeping the CA bundle
// across rotations. Issuing them is operator/tls/issue.ts, loaded only when a certificate is issued.
import { X509Certificate } from 'node:crypto';

/** The certificates of a PEM bundle, in order. */
export function splitPemBundle(bundle: string): string[] {
  return (
    bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)?.map((c) => `${c}\n`) ?? []
  );
}

export interface CertificateInfo {
  notBefore: Date;
  notAfter: Date;
  fingerprint256: string;
  /** DNS names and IPs from the subject alternative name extension. */
  hosts: string[];
  x509: X509Certificate;
}

export function certificateInfo(pem: string): CertificateInfo {
  const x509 = new X509Certificate(pem);
  const hosts = (x509.subjectAltName ?? '')
    .split(', ')
    .map((entry) => /^(?:DNS|IP Address):(.+)$/.exec(entry)?.[1])
    .filter((h): h is string => h !== undefined);
  return {
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    fingerprint256: x509.fingerprint256,
    hosts,
    x509,
  };
}

/**
 * The CA bundle to publish after issuing `newCa`: the new CA first, then the CA that signed the
 * certificate replicas serve until they reload (the first of the old bundle), unless it has expired.
 * Older CAs are dropped, so the bundle never grows beyond two.
 */
export function bundleAfterRotation(newCa: string, oldBundle: string | undefined, now: Date): string {
  const previous = splitPemBundle(oldBundle ?? '')[0];
  const keep = previous !== undefined && certificateInfo(previous).notAfter > now;
  return keep ? `${newCa.trimEnd()}\n${previous.trimEnd()}\n` : newCa;
}
