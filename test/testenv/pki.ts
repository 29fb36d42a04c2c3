import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface KeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
}

export function rsaKeyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/**
 * A self-signed certificate for `keys`, valid for a day: enough for one test run. With `ipAddresses` it
 * also serves TLS on those addresses (a loopback HTTPS peer that clients trust through this certificate).
 */
export function selfSignedCertificate(
  keys: KeyPair,
  commonName: string,
  ipAddresses: string[] = [],
): { pem: string; der: Buffer } {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKeyPem);
  cert.serialNumber = '01' + randomBytes(8).toString('hex');
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  const attrs = [{ name: 'commonName', value: commonName }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true },
    { name: 'keyUsage', digitalSignature: true, keyCertSign: true, keyEncipherment: true },
    ...(ipAddresses.length > 0
      ? [{ name: 'subjectAltName', altNames: ipAddresses.map((ip) => ({ type: 7, ip })) }]
      : []),
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keys.privateKeyPem), forge.md.sha256.create());
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  return { pem: forge.pki.certificateToPem(cert), der };
}
