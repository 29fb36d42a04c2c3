// A thin JSON request to the apiserver for the hot writes (status server-side applies, Events, workload
// patches). @kubernetes/client-node's generated clients walk every request and response through its
// ObjectSerializer (a type-map-driven deep copy of the whole object, both ways); for a write whose body
// is already plain JSON and whose answer is used as plain JSON, that walk was most of the write's CPU
// (docs/benchmarks.md, "Fewer, cheaper writes"). This sends the same request with the same credentials
// over the same keep-alive agent (KubeConfig.applyToHTTPSOptions → common/kube-connections.ts), and
// fails with client-node's own ApiException, so error classification (common/kube.ts) reads both alike.
import { request as httpRequest, type Agent as HttpAgent, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ApiException, type KubeConfig } from '@kubernetes/client-node';

/** Content types of the patch strategies the programs use. */
export const PATCH = {
  apply: 'application/apply-patch+yaml',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
} as const;
export type PatchType = (typeof PATCH)[keyof typeof PATCH];

/** No apiserver write takes this long; without it a lost answer would hold an evaluation forever. */
const DEFAULT_TIMEOUT_MS = 60_000;

export interface KubeJsonRequest {
  method: 'POST' | 'PATCH';
  /** Absolute API path, e.g. `/api/v1/namespaces/ns/events`. */
  path: string;
  query?: Record<string, string | boolean | undefined>;
  contentType: 'application/json' | PatchType;
  body: unknown;
  /** Drain the answer without parsing it (an Event's echo is never read). */
  discardResponse?: boolean;
}

interface HttpsOptions {
  agent?: HttpAgent;
  headers?: Record<string, string | string[] | number>;
  auth?: string;
}

/**
 * How long one answer of KubeConfig.applyToHTTPSOptions (credentials, agent) serves the requests that
 * follow. It costs tens of microseconds per call, which 7,000 writes of an update of 1,000 Images pay
 * again and again for the same answer; an exec plugin's or a projected token's expiry is minutes to
 * hours away, and client-node refreshes either itself on the next call after this second.
 */
export const CREDENTIALS_TTL_MS = 1_000;

export class KubeJson {
  private credentials: { opts: Promise<HttpsOptions>; until: number } | undefined;

  constructor(
    private readonly kc: KubeConfig,
    private readonly timeoutMs = DEFAULT_TIMEOUT_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The request options client-node's own calls would get, asked at most once per CREDENTIALS_TTL_MS. */
  private httpsOptions(): Promise<HttpsOptions> {
    const t = this.now();
    if (this.credentials && t < this.credentials.until) return this.credentials.opts;
    const opts: HttpsOptions = {};
    const pending = this.kc.applyToHTTPSOptions(opts).then(() => opts);
    this.credentials = { opts: pending, until: t + CREDENTIALS_TTL_MS };
    // A failure (an exec plugin that did not answer) is not kept: the next request asks again.
    pending.catch(() => {
      if (this.credentials?.opts === pending) this.credentials = undefined;
    });
    return pending;
  }

  /** Sends `req`; resolves with the parsed answer (undefined when discarded), throws ApiException on non-2xx. */
  async send<T>(req: KubeJsonRequest): Promise<T> {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('no Kubernetes cluster configured: set a current context');
    const url = new URL(cluster.server.replace(/\/+$/, '') + req.path);
    for (const [k, v] of Object.entries(req.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    // Credentials (bearer token, exec plugin, client certificate) and the shared agent, as client-node's
    // own calls get them.
    const opts = await this.httpsOptions();
    // A string, not a Buffer: Node then sends the headers and the body in one write (one TLS record).
    const payload = JSON.stringify(req.body);
    const headers: Record<string, string | string[] | number> = {
      ...opts.headers,
      accept: 'application/json',
      'content-type': req.contentType,
      'content-length': Buffer.byteLength(payload),
    };
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise<T>((resolve, reject) => {
      const r = send(
        url,
        {
          method: req.method,
          headers,
          ...(opts.agent ? { agent: opts.agent } : {}),
          ...(opts.auth ? { auth: opts.auth } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300;
          if (ok && req.discardResponse) {
            res.resume();
            res.on('end', () => resolve(undefined as T));
            res.on('error', reject);
            return;
          }
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (!ok) {
              reject(apiException(res.statusCode ?? 0, text, res.headers));
              return;
            }
            try {
              resolve((text === '' ? undefined : JSON.parse(text)) as T);
            } catch (err) {
              reject(
                new Error(
                  `the apiserver answered ${req.method} ${req.path} with invalid JSON: ${String(err)}`,
                ),
              );
            }
          });
        },
      );
      r.setTimeout(this.timeoutMs, () =>
        r.destroy(
          new Error(
            `the apiserver did not answer ${req.method} ${req.path} within ${this.timeoutMs / 1000} s`,
          ),
        ),
      );
      r.on('error', reject);
      r.end(payload, 'utf8');
    });
  }
}

/** The error client-node's generated clients throw for a non-2xx answer (code, raw body, headers). */
function apiException(code: number, body: string, headers: IncomingHttpHeaders): ApiException<string> {
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers))
    if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
  return new ApiException(code, 'Unknown API Status Code!', body, flat);
}
