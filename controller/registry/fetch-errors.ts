// What a request threw (node:http, node:net and node:tls errors, the connect timeout of agents.ts, the
// deadline's abort), as a typed RegistryError with advice. Timeout messages state the time the request
// really waited: its whole deadline (permit, attempts and pauses together), or the connect timeout.
import {
  RegistryNetworkError,
  RegistryTimeoutError,
  RegistryTLSError,
  type RegistryError,
} from './errors.js';

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
]);

/** Connection errors worth another attempt; DNS names that do not exist are not. */
const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

function errorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function errorText(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Node reports some handshake failures as a plain EPROTO whose text carries OpenSSL's reason; the
 * reason's own code says more (ERR_SSL_WRONG_VERSION_NUMBER: the peer speaks plain HTTP).
 */
function opensslCode(code: string | undefined, text: string): string | undefined {
  if (code !== 'EPROTO') return code;
  if (/wrong version number/i.test(text)) return 'ERR_SSL_WRONG_VERSION_NUMBER';
  if (/packet length too long/i.test(text)) return 'ERR_SSL_PACKET_LENGTH_TOO_LONG';
  return code;
}

export interface FetchFailureContext {
  registry: string;
  url: string;
  what: string;
  /** The request's whole deadline. */
  deadlineMs: number;
  connectTimeoutMs: number;
  /** Attempts made so far, this one included. */
  attempts: number;
  elapsedMs: number;
}

/** `30 s`, `0.05 s`. */
export const seconds = (ms: number) => `${Number((ms / 1000).toFixed(2))} s`;

export function mapFetchError(err: unknown, ctx: FetchFailureContext): RegistryError {
  const tries = ctx.attempts > 1 ? ` (${ctx.attempts} attempts)` : '';
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return new RegistryTimeoutError(
      `registry ${ctx.registry} did not answer ${ctx.what} within ${seconds(ctx.deadlineMs)}${tries}`,
      { cause: err },
    );
  }
  const code = opensslCode(errorCode(err), errorText(err));
  if (code === 'ERR_CONNECT_TIMEOUT') {
    return new RegistryTimeoutError(
      `registry ${ctx.registry} did not accept a connection within ${seconds(ctx.connectTimeoutMs)} for ${ctx.what}${ctx.attempts > 1 ? ` (${ctx.attempts} attempts in ${seconds(ctx.elapsedMs)})` : ''}`,
      { cause: err },
    );
  }
  if (
    code !== undefined &&
    (TLS_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'))
  ) {
    const wrongProtocol =
      code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG';
    const advice = wrongProtocol
      ? 'it seems to speak plain HTTP: set plainHTTP (--plain-http) for it'
      : 'trust its CA (caBundle, --ca-file) or, on a trusted network, set insecureSkipTLSVerify (--insecure)';
    return new RegistryTLSError(
      `TLS with registry ${ctx.registry} failed (${code}: ${errorText(err)}); ${advice}`,
      { cause: err },
    );
  }
  if (code === 'ERR_PROXY_TUNNEL') {
    return new RegistryNetworkError(
      `cannot reach registry ${ctx.registry} for ${ctx.what}: ${errorText(err)}; check HTTPS_PROXY, HTTP_PROXY and NO_PROXY (docs/registries.md, "Proxies")`,
      { cause: err, transient: false },
    );
  }
  if (code === 'ENOTFOUND') {
    return new RegistryNetworkError(
      `registry host ${new URL(ctx.url).hostname} does not resolve (DNS); check the image's registry name`,
      { cause: err, transient: false },
    );
  }
  return new RegistryNetworkError(
    `cannot reach registry ${ctx.registry} for ${ctx.what} (${code ?? errorText(err)})${tries}; check that it is up and reachable`,
    { cause: err, transient: code === undefined || RETRYABLE_NETWORK_CODES.has(code) },
  );
}
