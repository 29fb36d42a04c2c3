// Issuing the webhook's own PKI, so cert-manager is never required: a throwaway CA and one serving
// certificate, reissued together on every rotation (the CA key is never stored). node-forge builds the
// X.509 structures (pure JS, no openssl binary); node:crypto generates the RSA keys and signs, natively
// (forge's JS big-number RSA takes about a second per key or signature on a busy 2-core machine). Only
// the leader loads this module, and only when the Secret needs a new certificate (operator/tls/manager.ts
// imports it on demand): forge is a tenth of the operator's bundle, and most starts reuse the Secret.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

export interface CertificateSet {
  /** PEM of the CA that signed `cert`. */
  caCert: string;
  /** PEM of the serving certificate. */
  cert: string;
  /** PEM (PKCS#1) of the serving key. */
  key: string;
}

export interface IssueOptions {
  /** DNS names and IP addresses the apiserver may use to reach the webhook. */
  hosts: readonly string[];
  validityMs: number;
  now?: Date;
}

/** Certificates are valid from a little before issue, so a replica with a slow clock accepts them. */
const BACKDATE_MS = 5 * 60_000;

function rsaKeyPair(): { publicKey: forge.pki.rsa.PublicKey; pem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return { publicKey: forge.pki.publicKeyFromPem(publicKey), pem: privateKey };
}

/** What forge's cert.sign does, with the RSA signature computed by node:crypto. */
function signSha256(cert: forge.pki.Certificate, keyPem: string): void {
  const oid = forge.pki.oids.sha256WithRSAEncryption!;
  const c = cert as forge.pki.Certificate & { tbsCertificate?: forge.asn1.Asn1 };
  c.signatureOid = oid;
  c.siginfo.algorithmOid = oid;
  // getTBSCertificate exists in forge but not in its type definitions.
  const pki = forge.pki as typeof forge.pki & {
    getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1;
  };
  c.tbsCertificate = pki.getTBSCertificate(c);
  const tbs = Buffer.from(forge.asn1.toDer(c.tbsCertificate).getBytes(), 'binary');
  c.signature = sign('sha256', tbs, keyPem).toString('binary');
}

function serialNumber(): string {
  // Positive (high bit clear) 128-bit serial, as RFC 5280 asks.
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

function validity(cert: forge.pki.Certificate, now: Date, validityMs: number): void {
  cert.validity.notBefore = new Date(now.getTime() - BACKDATE_MS);
  cert.validity.notAfter = new Date(now.getTime() + validityMs);
}

/** Subject alternative names: IP literals as iPAddress (type 7), everything else as dNSName (type 2). */
export function altNames(hosts: readonly string[]): { type: number; value?: string; ip?: string }[] {
  return [...new Set(hosts)].map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h }));
}

export function issueCertificates(opts: IssueOptions): CertificateSet {
  if (opts.hosts.length === 0) throw new Error('a serving certificate needs at least one host name or IP');
  const now = opts.now ?? new Date();
  const ca = rsaKeyPair();
  const caCert = forge.pki.createCertificate();
  caCert.publicKey = ca.publicKey;
  caCert.serialNumber = serialNumber();
  validity(caCert, now, opts.validityMs);
  // forge encodes names as PrintableString, which has no '@' or '_': Go (the apiserver) rejects those.
  const caSubject = [
    { name: 'commonName', value: `tagpilot-webhook-ca-${Math.floor(now.getTime() / 1000)}` },
  ];
  caCert.setSubject(caSubject);
  caCert.setIssuer(caSubject);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  signSha256(caCert, ca.pem);

  const leaf = rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = leaf.publicKey;
  cert.serialNumber = serialNumber();
  validity(cert, now, opts.validityMs);
  cert.setSubject([{ name: 'commonName', value: opts.hosts[0]! }]);
  cert.setIssuer(caSubject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: altNames(opts.hosts) },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  signSha256(cert, ca.pem);

  return {
    caCert: pem(forge.pki.certificateToPem(caCert)),
    cert: pem(forge.pki.certificateToPem(cert)),
    key: leaf.pem,
  };
}

/** forge writes CRLF line ends; Kubernetes tooling and node:crypto write LF. */
function pem(text: string): string {
  return text.replace(/\r\n/g, '\n');
}
