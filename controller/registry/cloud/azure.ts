// Azure Container Registry through Microsoft Entra ID (@azure/identity): AKS Workload Identity (the
// federated token file, AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_AUTHORITY_HOST the webhook injects),
// else the managed identity of the node. The Entra token is exchanged at the registry's /oauth2/exchange
// for an ACR refresh token, which is the password of the user 00000000-0000-0000-0000-000000000000 in the
// registry's ordinary token flow, as `az acr login` sets it up. Loaded only when an ACR host is met.
import {
  ManagedIdentityCredential,
  WorkloadIdentityCredential,
  type AccessToken,
  type TokenCredential,
} from '@azure/identity';
import { describeErrorBody } from '../answers.js';
import type { CloudTarget } from './hosts.js';
import {
  CloudAuthError,
  NoCloudIdentity,
  sdkDetail,
  type CloudSource,
  type CloudToken,
  type RegistryEndpoint,
} from './source.js';

export const ACR_USER = '00000000-0000-0000-0000-000000000000';
const HELP = 'docs/registries.md#azure-container-registry';
/** ACR refresh tokens say when they expire (JWT exp); when one does not, assume the shortest we know. */
const DEFAULT_LIFETIME_MS = 3600_000;
/** Entra ID hosts whose instance metadata the library knows; any other (Azure Stack) skips discovery. */
const KNOWN_AUTHORITIES = new Set([
  'login.microsoftonline.com',
  'login.chinacloudapi.cn',
  'login.microsoftonline.us',
  'login.microsoftonline.de',
]);

/** Who the credential is, from the Pod's environment; identifiers only. */
export function azureIdentity(env: NodeJS.ProcessEnv = process.env): string {
  const client = env.AZURE_CLIENT_ID
    ? `client id ${env.AZURE_CLIENT_ID}`
    : 'the managed identity of the node';
  const tenant = env.AZURE_TENANT_ID ? ` in tenant ${env.AZURE_TENANT_ID}` : '';
  return env.AZURE_FEDERATED_TOKEN_FILE ? `workload identity ${client}${tenant}` : `${client}${tenant}`;
}

/** `exp` of a JWT, in epoch milliseconds, read without verifying (only to know when to renew). */
export function jwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

function authorityHostKnown(env: NodeJS.ProcessEnv): boolean {
  const host = env.AZURE_AUTHORITY_HOST;
  if (!host) return true;
  try {
    return KNOWN_AUTHORITIES.has(new URL(host).hostname);
  } catch {
    return true; // the library reports the bad value itself
  }
}

export class AzureSource implements CloudSource {
  private credential: TokenCredential | undefined;

  private entra(): TokenCredential {
    const env = process.env;
    this.credential ??= env.AZURE_FEDERATED_TOKEN_FILE
      ? new WorkloadIdentityCredential({ disableInstanceDiscovery: !authorityHostKnown(env) })
      : new ManagedIdentityCredential(env.AZURE_CLIENT_ID ? { clientId: env.AZURE_CLIENT_ID } : {});
    return this.credential;
  }

  async token(target: CloudTarget, endpoint: RegistryEndpoint): Promise<CloudToken> {
    if (target.provider !== 'azure') throw new Error(`AzureSource asked for a ${target.provider} registry`);
    const who = azureIdentity();
    let entra: AccessToken | null;
    try {
      entra = await this.entra().getToken(target.scope);
    } catch (err) {
      if ((err as { name?: string })?.name === 'CredentialUnavailableError') {
        throw new NoCloudIdentity('no workload identity token file and no managed identity endpoint');
      }
      throw new CloudAuthError(
        `ACR registry ${target.registry}: Microsoft Entra ID refused the Azure identity (${who}): ${sdkDetail(err)}; check the ServiceAccount annotation azure.workload.identity/client-id, the Pod label azure.workload.identity/use: "true" and the identity's federated credential for this ServiceAccount (${HELP})`,
        { cause: err },
      );
    }
    if (!entra?.token) {
      throw new CloudAuthError(
        `ACR registry ${target.registry}: Microsoft Entra ID returned no token for the Azure identity (${who})`,
        {
          transient: true,
        },
      );
    }
    const host = new URL(endpoint.baseUrl).host;
    const form = new URLSearchParams({
      grant_type: 'access_token',
      service: host,
      access_token: entra.token,
      ...(process.env.AZURE_TENANT_ID ? { tenant: process.env.AZURE_TENANT_ID } : {}),
    });
    const res = await endpoint.transport.send({
      registry: target.registry,
      kind: 'token',
      method: 'POST',
      url: `${endpoint.baseUrl}/oauth2/exchange`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      tls: endpoint.tls,
      what: `an ACR refresh token for ${target.registry}`,
    });
    if (res.status !== 200) {
      const detail = describeErrorBody(res);
      throw new CloudAuthError(
        `ACR registry ${target.registry} refused to exchange the Entra ID token of the Azure identity (${who}) (${res.status}${detail ? `: ${detail}` : ''}); check that the identity has the AcrPull role on the registry (${HELP})`,
        { transient: res.status >= 500 || res.status === 429 },
      );
    }
    let refresh: unknown;
    try {
      refresh = (JSON.parse(Buffer.from(res.body).toString('utf8')) as { refresh_token?: unknown })
        .refresh_token;
    } catch {
      refresh = undefined;
    }
    if (typeof refresh !== 'string' || refresh === '') {
      throw new CloudAuthError(`ACR registry ${target.registry}: /oauth2/exchange sent no refresh token`, {
        transient: true,
      });
    }
    return {
      credentials: {
        username: ACR_USER,
        password: refresh,
        hint: `that the Azure identity (${who}) has the AcrPull role on the registry (${HELP})`,
      },
      expiresAt: jwtExpiry(refresh) ?? Date.now() + DEFAULT_LIFETIME_MS,
    };
  }
}
