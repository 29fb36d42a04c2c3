// The names cloud errors give an identity come from what the Pod was given, never from a secret.
import { describe, expect, it } from 'vitest';
import { awsIdentity } from './aws.js';
import { azureIdentity, jwtExpiry } from './azure.js';

describe('identity names', () => {
  it('AWS: the IRSA role and token file, Pod Identity, or the instance role', () => {
    expect(
      awsIdentity({ AWS_ROLE_ARN: 'arn:aws:iam::1:role/r', AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/t' }),
    ).toBe('role arn:aws:iam::1:role/r (web identity token file /var/run/t)');
    expect(awsIdentity({ AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials' })).toBe(
      'the role of the EKS Pod Identity association',
    );
    expect(awsIdentity({ AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 'sentinel' })).not.toContain(
      'sentinel',
    );
    expect(awsIdentity({})).toBe("the node's instance role (instance metadata)");
  });

  it('Azure: the client and tenant ids', () => {
    expect(
      azureIdentity({ AZURE_CLIENT_ID: 'c', AZURE_TENANT_ID: 't', AZURE_FEDERATED_TOKEN_FILE: '/f' }),
    ).toBe('workload identity client id c in tenant t');
    expect(azureIdentity({})).toBe('the managed identity of the node');
  });

  it('reads the expiry of an ACR refresh token without verifying it', () => {
    const payload = Buffer.from(JSON.stringify({ exp: 1_900_000_000 })).toString('base64url');
    expect(jwtExpiry(`h.${payload}.s`)).toBe(1_900_000_000_000);
    expect(jwtExpiry('opaque')).toBeUndefined();
    expect(jwtExpiry('a.!!!.c')).toBeUndefined();
  });
});
