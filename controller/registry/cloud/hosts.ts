// Which cloud's identity reads a registry: chosen by the registry's host name, or forced per Image
// (spec.cloudAuth) for hosts that do not say, such as an ECR pull-through cache behind a custom DNS name.
// Pure: no SDK is loaded here (the SDKs are imported only once a cloud registry is met).

export type CloudProvider = 'aws' | 'gcp' | 'azure';
/** spec.cloudAuth and the CLI's --cloud-auth. */
export type CloudAuthMode = 'auto' | 'none' | CloudProvider;

export const CLOUD_NAMES: Record<CloudProvider, string> = {
  aws: 'AWS',
  gcp: 'Google Cloud',
  azure: 'Azure',
};

/** A registry and what its cloud needs to know to authenticate to it. */
export type CloudTarget =
  | {
      provider: 'aws';
      registry: string;
      /** ECR Public (public.ecr.aws): its own API, always in us-east-1. */
      public: boolean;
      /** From the host; undefined for a custom host (the SDK's region: AWS_REGION). */
      region: string | undefined;
    }
  | { provider: 'gcp'; registry: string }
  | {
      provider: 'azure';
      registry: string;
      /** Entra ID scope of the token exchanged at the registry (the cloud's Resource Manager). */
      scope: string;
    };

// <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn], the dual-stack <account>.dkr-ecr.<region>.on.aws,
// and the isolated partitions.
const ECR_HOST =
  /^\d{12}\.dkr[.-]ecr(?:-fips)?\.([a-z0-9-]+)\.(?:amazonaws\.com(?:\.cn)?|on\.aws|c2s\.ic\.gov|sc2s\.sgov\.gov)$/;
const ECR_PUBLIC_HOST = 'public.ecr.aws';
// <location>-docker.pkg.dev (Artifact Registry), gcr.io and its regional hosts (us.gcr.io, eu.gcr.io, …).
const GCP_HOST = /^(?:[a-z0-9-]+-docker\.pkg\.dev|gcr\.io|[a-z0-9-]+\.gcr\.io)$/;
const AZURE_SCOPES: Array<[RegExp, string]> = [
  [/\.azurecr\.cn$/, 'https://management.chinacloudapi.cn/.default'],
  [/\.azurecr\.us$/, 'https://management.usgovcloudapi.net/.default'],
  [/\.azurecr\.io$/, 'https://management.azure.com/.default'],
];
const AZURE_PUBLIC_SCOPE = 'https://management.azure.com/.default';

function hostName(registry: string): string {
  return registry.toLowerCase().replace(/:\d+$/, '');
}

function detect(registry: string): CloudProvider | undefined {
  const host = hostName(registry);
  if (host === ECR_PUBLIC_HOST || ECR_HOST.test(host)) return 'aws';
  if (GCP_HOST.test(host)) return 'gcp';
  if (AZURE_SCOPES.some(([re]) => re.test(host))) return 'azure';
  return undefined;
}

/**
 * The cloud whose identity reads `registry` under `mode`, or undefined for none (`none`, or `auto` on a
 * host that belongs to no cloud).
 */
export function cloudTarget(registry: string, mode: CloudAuthMode = 'auto'): CloudTarget | undefined {
  if (mode === 'none') return undefined;
  const provider = mode === 'auto' ? detect(registry) : mode;
  const host = hostName(registry);
  switch (provider) {
    case undefined:
      return undefined;
    case 'aws':
      return {
        provider,
        registry,
        public: host === ECR_PUBLIC_HOST,
        region: host === ECR_PUBLIC_HOST ? 'us-east-1' : ECR_HOST.exec(host)?.[1],
      };
    case 'gcp':
      return { provider, registry };
    case 'azure':
      return {
        provider,
        registry,
        scope: AZURE_SCOPES.find(([re]) => re.test(host))?.[1] ?? AZURE_PUBLIC_SCOPE,
      };
  }
}
