import { describe, expect, it } from 'vitest';
import { nextLink, parseRateLimit, parseWwwAuthenticate, retryAfterMs } from './headers.js';

describe('parseWwwAuthenticate', () => {
  it.each([
    [
      // Docker Hub
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"',
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://auth.docker.io/token',
            service: 'registry.docker.io',
            scope: 'repository:library/nginx:pull',
          },
        },
      ],
    ],
    [
      // Quay: no scope
      'Bearer realm="https://quay.io/v2/auth",service="quay.io"',
      [{ scheme: 'bearer', params: { realm: 'https://quay.io/v2/auth', service: 'quay.io' } }],
    ],
    [
      // ECR
      'Basic realm="https://123456789012.dkr.ecr.us-east-1.amazonaws.com/",service="ecr.amazonaws.com"',
      [
        {
          scheme: 'basic',
          params: {
            realm: 'https://123456789012.dkr.ecr.us-east-1.amazonaws.com/',
            service: 'ecr.amazonaws.com',
          },
        },
      ],
    ],
    [
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:x/y:pull",error="insufficient_scope"',
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://auth.docker.io/token',
            service: 'registry.docker.io',
            scope: 'repository:x/y:pull',
            error: 'insufficient_scope',
          },
        },
      ],
    ],
    [
      'Basic realm="a, b", Bearer realm = "https://t/x" , service=svc',
      [
        { scheme: 'basic', params: { realm: 'a, b' } },
        { scheme: 'bearer', params: { realm: 'https://t/x', service: 'svc' } },
      ],
    ],
    ['Negotiate', [{ scheme: 'negotiate', params: {} }]],
    ['Basic realm="say \\"hi\\""', [{ scheme: 'basic', params: { realm: 'say "hi"' } }]],
    ['', []],
  ])('%s', (header, expected) => {
    expect(parseWwwAuthenticate(header)).toEqual(expected);
  });
});

describe('nextLink', () => {
  const base = 'https://registry-1.docker.io/v2/library/nginx/tags/list?n=1000';
  it.each([
    [
      '</v2/library/nginx/tags/list?last=1.19&n=1000>; rel="next"',
      'https://registry-1.docker.io/v2/library/nginx/tags/list?last=1.19&n=1000',
    ],
    [
      // Quay's opaque page token
      '</v2/coreos/etcd/tags/list?n=100&next_page=gAAAAABm_x>; rel="next"',
      'https://registry-1.docker.io/v2/coreos/etcd/tags/list?n=100&next_page=gAAAAABm_x',
    ],
    [
      '<https://other.example/v2/x/tags/list?last=a>; rel=next',
      'https://other.example/v2/x/tags/list?last=a',
    ],
    ['</prev>; rel="prev", </next?x=1>; rel="next"', 'https://registry-1.docker.io/next?x=1'],
    ['</a>; rel="first next"', 'https://registry-1.docker.io/a'],
    ['</a>; rel="prev"', undefined],
    [null, undefined],
  ])('%s', (header, expected) => {
    expect(nextLink(header, base)).toBe(expected);
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it.each([
    ['3', 3000],
    [' 0 ', 0],
    ['Wed, 01 Jan 2025 00:00:10 GMT', 10_000],
    ['Tue, 31 Dec 2024 23:00:00 GMT', 0],
    ['soon', undefined],
    [null, undefined],
  ])('%s → %s', (header, ms) => {
    expect(retryAfterMs(header, now)).toBe(ms);
  });
});

describe('parseRateLimit', () => {
  it("reads Docker Hub's headers", () => {
    expect(parseRateLimit('100;w=21600', '76;w=21600')).toEqual({
      limit: 100,
      remaining: 76,
      windowSeconds: 21600,
    });
    expect(parseRateLimit('200', null)).toEqual({ limit: 200 });
    expect(parseRateLimit(null, null)).toEqual({});
  });
});
