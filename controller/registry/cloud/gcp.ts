// Artifact Registry and GCR through Application Default Credentials (google-auth-library): the GKE
// metadata server under Workload Identity (GCE_METADATA_HOST moves it), or a workload identity federation
// credential file (GOOGLE_APPLICATION_CREDENTIALS). The access token is the password of the user
// `oauth2accesstoken`, as `gcloud auth configure-docker` sets it up. Loaded only when a Google registry is
// met (see chain.ts).
import { GoogleAuth } from 'google-auth-library';
import type { CloudTarget } from './hosts.js';
import { CloudAuthError, NoCloudIdentity, sdkDetail, type CloudSource, type CloudToken } from './source.js';

const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const HELP = 'docs/registries.md#google-artifact-registry-and-gcr';
/** When the library does not say (it always does for the metadata server): access tokens live an hour. */
const DEFAULT_LIFETIME_MS = 3600_000;

export class GcpSource implements CloudSource {
  private readonly auth = new GoogleAuth({ scopes: [SCOPE] });

  async token(target: CloudTarget): Promise<CloudToken> {
    let client: Awaited<ReturnType<GoogleAuth['getClient']>>;
    try {
      client = await this.auth.getClient();
    } catch (err) {
      if (/could not load the default credentials/i.test(sdkDetail(err))) {
        throw new NoCloudIdentity('no metadata server and no GOOGLE_APPLICATION_CREDENTIALS file');
      }
      throw new CloudAuthError(
        `Google registry ${target.registry}: Application Default Credentials could not be loaded: ${sdkDetail(err)}; check GOOGLE_APPLICATION_CREDENTIALS (${HELP})`,
        { cause: err },
      );
    }
    let token: string | null | undefined;
    try {
      token = (await client.getAccessToken()).token;
    } catch (err) {
      const who = await this.identity();
      throw new CloudAuthError(
        `Google registry ${target.registry}: the Google Cloud identity (${who}) could not get an access token: ${tokenError(err)}; check the ServiceAccount annotation iam.gke.io/gcp-service-account, that the Kubernetes ServiceAccount may impersonate it (roles/iam.workloadIdentityUser) and that Workload Identity is enabled on the node pool (${HELP})`,
        { transient: isTransient(err), cause: err },
      );
    }
    if (!token) {
      throw new CloudAuthError(
        `Google registry ${target.registry}: the metadata server returned no access token`,
        {
          transient: true,
        },
      );
    }
    const expiry = client.credentials.expiry_date;
    const who = await this.identity();
    return {
      credentials: {
        username: 'oauth2accesstoken',
        password: token,
        hint: `that the Google Cloud identity (${who}) has roles/artifactregistry.reader on the repository (${HELP})`,
      },
      expiresAt: typeof expiry === 'number' ? expiry : Date.now() + DEFAULT_LIFETIME_MS,
    };
  }

  private identityName: string | undefined;

  /** The service account's e-mail (one metadata request, remembered); a description when unknown. */
  private async identity(): Promise<string> {
    if (this.identityName) return this.identityName;
    try {
      const email = (await this.auth.getCredentials()).client_email;
      if (email) return (this.identityName = `service account ${email}`);
    } catch {
      // Only for messages: fall through to the description.
    }
    const file = process.env.GOOGLE_APPLICATION_CREDENTIALS;
    return file ? `the credential file ${file}` : "the Pod's Google service account (metadata server)";
  }
}

/** The metadata server's own answer, without the library's paragraph about Compute Engine scopes. */
function tokenError(err: unknown): string {
  const status = (err as { response?: { status?: unknown } })?.response?.status;
  const message = String((err as { message?: unknown })?.message ?? '');
  const answer = /could not refresh access token: (.*)$/is.exec(message)?.[1];
  if (!answer) return sdkDetail(err);
  return `${typeof status === 'number' ? `${status} ` : ''}${answer.replace(/\s+/g, ' ').trim().slice(0, 300)}`;
}

function isTransient(err: unknown): boolean {
  const status = (err as { status?: unknown; response?: { status?: unknown } })?.response?.status;
  return typeof status !== 'number' || status >= 500 || status === 429;
}
