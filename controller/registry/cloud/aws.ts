// Amazon ECR and ECR Public through the AWS SDK's default credential chain (environment, web identity
// token file as EKS IRSA sets it up, the EKS Pod Identity agent, instance metadata): GetAuthorizationToken
// gives `AWS:<password>` for the registry's Basic auth, valid for 12 hours. Loaded only when an ECR host is
// met (see chain.ts).
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import {
  ECRPUBLICClient,
  GetAuthorizationTokenCommand as GetPublicAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr-public';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { CloudTarget } from './hosts.js';
import { CloudAuthError, NoCloudIdentity, sdkDetail, type CloudSource, type CloudToken } from './source.js';

const TWELVE_HOURS_MS = 12 * 3600_000;
/** SDK requests fail after this instead of hanging a check (the SDK's default is no timeout). */
const REQUEST_HANDLER = { connectionTimeout: 5_000, requestTimeout: 15_000 };
const HELP = 'docs/registries.md#amazon-ecr';

/** Who the default credential chain will be, from what the Pod was given; names, never secrets. */
export function awsIdentity(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AWS_ROLE_ARN) {
    return `role ${env.AWS_ROLE_ARN}${env.AWS_WEB_IDENTITY_TOKEN_FILE ? ` (web identity token file ${env.AWS_WEB_IDENTITY_TOKEN_FILE})` : ''}`;
  }
  if (env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) {
    return 'the role of the EKS Pod Identity association';
  }
  if (env.AWS_PROFILE) return `profile ${env.AWS_PROFILE}`;
  if (env.AWS_ACCESS_KEY_ID) return 'the access key in AWS_ACCESS_KEY_ID';
  return "the node's instance role (instance metadata)";
}

function isNoCredentials(err: unknown): boolean {
  const e = err as { name?: string; message?: string };
  return (
    e?.name === 'CredentialsProviderError' &&
    /could not load credentials from any providers/i.test(e.message ?? '')
  );
}

function isTransient(err: unknown): boolean {
  const e = err as { $fault?: string; $metadata?: { httpStatusCode?: number }; name?: string };
  if (e?.$fault === 'server') return true;
  // No HTTP answer at all: connection refused, DNS, timeout.
  return e?.$metadata?.httpStatusCode === undefined && e?.name !== 'CredentialsProviderError';
}

export class AwsSource implements CloudSource {
  private readonly credentials = fromNodeProviderChain({ clientConfig: { requestHandler: REQUEST_HANDLER } });
  private readonly clients = new Map<string, ECRClient>();
  private publicClient: ECRPUBLICClient | undefined;

  async token(target: CloudTarget): Promise<CloudToken> {
    if (target.provider !== 'aws') throw new Error(`AwsSource asked for a ${target.provider} registry`);
    const who = awsIdentity();
    const what = target.public ? 'ECR Public' : 'ECR';
    try {
      await this.credentials();
    } catch (err) {
      if (isNoCredentials(err)) {
        throw new NoCloudIdentity('no web identity token, Pod Identity agent, instance role or AWS_* keys');
      }
      throw new CloudAuthError(
        `${what} registry ${target.registry}: the AWS identity (${who}) could not get credentials: ${sdkDetail(err)}; check the ServiceAccount annotation eks.amazonaws.com/role-arn (or the Pod Identity association), the role's trust policy for the cluster's OIDC provider and that the projected token is mounted (${HELP})`,
        { transient: isTransient(err), cause: err },
      );
    }
    let data: { authorizationToken?: string | undefined; expiresAt?: Date | undefined } | undefined;
    try {
      data = target.public
        ? (await this.ecrPublic().send(new GetPublicAuthorizationTokenCommand({}))).authorizationData
        : (await this.ecr(target.region).send(new GetAuthorizationTokenCommand({}))).authorizationData?.[0];
    } catch (err) {
      const permission = target.public
        ? 'ecr-public:GetAuthorizationToken and sts:GetServiceBearerToken'
        : 'ecr:GetAuthorizationToken';
      throw new CloudAuthError(
        `${what} registry ${target.registry}: GetAuthorizationToken failed for the AWS identity (${who}): ${sdkDetail(err)}; check that its policy allows ${permission} on "*"${target.region === undefined && !target.public ? " and that AWS_REGION names the registry's region" : ''} (${HELP})`,
        { transient: isTransient(err), cause: err },
      );
    }
    const decoded = Buffer.from(data?.authorizationToken ?? '', 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) {
      throw new CloudAuthError(
        `${what} registry ${target.registry}: GetAuthorizationToken returned no usable token`,
        {
          transient: true,
        },
      );
    }
    return {
      credentials: {
        username: decoded.slice(0, colon),
        password: decoded.slice(colon + 1),
        hint: `the ${what} permissions (ecr:BatchGetImage, ecr:ListImages) of the AWS identity (${who}) (${HELP})`,
      },
      expiresAt: data?.expiresAt?.getTime() ?? Date.now() + TWELVE_HOURS_MS,
    };
  }

  private ecr(region: string | undefined): ECRClient {
    const key = region ?? '';
    let client = this.clients.get(key);
    if (!client) {
      // No region: the SDK's own (AWS_REGION, the profile), for a forced cloudAuth on a custom host.
      client = new ECRClient({
        credentials: this.credentials,
        requestHandler: REQUEST_HANDLER,
        ...(region ? { region } : {}),
      });
      this.clients.set(key, client);
    }
    return client;
  }

  private ecrPublic(): ECRPUBLICClient {
    this.publicClient ??= new ECRPUBLICClient({
      credentials: this.credentials,
      requestHandler: REQUEST_HANDLER,
      region: 'us-east-1',
    });
    return this.publicClient;
  }
}
