// One HTTP request with node:http/node:https, as fetch made it: redirects followed (Authorization dropped
// when they leave the origin) or, with `redirect: 'manual'`, handed back as they came, gzip/deflate/br
// bodies decoded, and a signal that aborts the request and its body at any point. The response body is
// left to the caller to read (with its size limit). The registry client and alert webhooks both send
// through it. `http.request` is looked up at call time, so nock can intercept it in unit tests.
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { pipeline, type Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { HttpAgents } from './agents.js';

/** What callers read of response headers: the part of the WHATWG `Headers` API they use. */
export interface ResponseHeaders {
  get(name: string): string | null;
}

/**
 * A view of a node response's headers. Not a `Headers`: constructing one loads Node's bundled undici
 * (~17 MiB of RSS), which this transport exists to avoid.
 */
export function headersOf(headers: IncomingHttpHeaders): ResponseHeaders {
  return {
    get(name) {
      const value = headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

/** As fetch: more redirects than this fail the request. */
export const MAX_REDIRECTS = 20;

export interface ExchangeRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  agents: HttpAgents;
  signal: AbortSignal;
  /** As fetch: `follow` (the default) or `manual`, which returns a 3xx answer like any other. */
  redirect?: 'follow' | 'manual';
}

export interface Exchange {
  status: number;
  headers: ResponseHeaders;
  /** Final URL after redirects. */
  url: string;
  /** The response itself: its Content-Length and socket. */
  message: IncomingMessage;
  /** The (decoded) body; destroying it closes the connection. */
  body: Readable;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export async function exchange(request: ExchangeRequest): Promise<Exchange> {
  let { method, body } = request;
  let url = new URL(request.url);
  const headers: Record<string, string> = { accept: '*/*', ...lowerCased(request.headers) };
  for (let redirects = 0; ; redirects++) {
    const message = await send(url, method, headers, body, request);
    const status = message.statusCode ?? 0;
    const location = message.headers.location;
    if (!REDIRECTS.has(status) || location === undefined || request.redirect === 'manual') {
      return { status, headers: headersOf(message.headers), url: url.href, message, body: decoded(message) };
    }
    message.destroy();
    if (redirects >= MAX_REDIRECTS) throw new Error('redirect count exceeded');
    const next = new URL(location, url);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      throw new Error(`redirect to a URL that is not HTTP(S): ${next.protocol}`);
    }
    // As fetch: 303, and 301/302 after a POST, continue as a GET without the body.
    if (status === 303 ? method !== 'HEAD' : (status === 301 || status === 302) && method === 'POST') {
      method = 'GET';
      body = undefined;
      delete headers['content-type'];
      delete headers['content-length'];
    }
    // Credentials meant for the registry are not sent to a CDN or storage service it redirects to.
    if (next.origin !== url.origin) delete headers.authorization;
    url = next;
  }
}

function lowerCased(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** The response of one request (no redirect followed); the signal stays attached to its body. */
function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  request: ExchangeRequest,
): Promise<IncomingMessage> {
  const { signal, agents } = request;
  const secure = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const out = {
      ...headers,
      'accept-encoding': secure ? 'gzip, deflate, br' : 'gzip, deflate',
      ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
    };
    const req = (secure ? https : http).request(url, {
      method,
      headers: out,
      agent: secure ? agents.https : agents.http,
    });
    let message: IncomingMessage | undefined;
    const onAbort = () => {
      const reason = signal.reason as Error;
      req.destroy(reason);
      message?.destroy(reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const detach = () => signal.removeEventListener('abort', onAbort);
    req.on('error', (err) => {
      detach();
      reject(err);
    });
    req.on('response', (res) => {
      message = res;
      res.once('close', detach);
      resolve(res);
    });
    req.end(body);
  });
}

/** The body as the caller reads it: decoded when the registry compressed it. */
function decoded(message: IncomingMessage): Readable {
  const encoding = message.headers['content-encoding']?.trim().toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip()
      : encoding === 'deflate'
        ? zlib.createInflate()
        : encoding === 'br'
          ? zlib.createBrotliDecompress()
          : undefined;
  if (!decoder) return message;
  // Errors of either side reach the decoder's reader; destroying the decoder destroys the response.
  return pipeline(message, decoder, () => undefined);
}
