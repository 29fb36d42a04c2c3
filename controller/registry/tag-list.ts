// One repository's tag list, every page followed (`Link: rel="next"`, same host only), read against one
// size budget for all pages together (limits.ts), so a registry that pages without end stops too.
import { describeErrorBody, parseJsonAnswer } from './answers.js';
import { RegistryBadResponseError, RegistryNotFoundError } from './errors.js';
import { nextLink } from './headers.js';
import { BODY_LIMITS, formatBytes } from './limits.js';
import type { HttpResponse } from './transport.js';

export interface TagListRequest {
  registry: string;
  /** Scheme, host and port the pages must stay on. */
  origin: string;
  /** `<base>/v2/<repository>/tags/list` */
  firstPage: string;
  /** Repository for messages: `ghcr.io/acme/web`. */
  name: string;
  pageSize: number;
  /** One authenticated GET of a page, its body read up to `limit.maxBodyBytes`. */
  get(
    url: string,
    what: string,
    limit: { maxBodyBytes: number; bodyLimitText: string },
  ): Promise<HttpResponse>;
}

export async function fetchTagList(list: TagListRequest): Promise<readonly string[]> {
  const { registry, name } = list;
  const what = `the tags of ${name}`;
  const first = list.firstPage;
  let url = `${first}?n=${list.pageSize}`;
  const seen = new Set<string>();
  const tags = new Set<string>();
  // One budget for every page together, so that endless pages cannot grow the list without bound.
  let budget = BODY_LIMITS.tags;
  const limit = () => ({
    maxBodyBytes: Math.max(1, budget),
    bodyLimitText:
      seen.size > 1 ? `${formatBytes(BODY_LIMITS.tags)} (all pages together)` : formatBytes(BODY_LIMITS.tags),
  });
  for (;;) {
    seen.add(url);
    let res = await list.get(url, what, limit());
    if (res.status === 400 && seen.size === 1 && url !== first) {
      // A registry that refuses our page size: let it pick its own.
      url = first;
      res = await list.get(url, what, limit());
    }
    budget -= res.body.length;
    if (res.status === 404) {
      throw new RegistryNotFoundError(
        `repository ${name} not found on registry ${registry}${describeErrorBody(res) ? ` (${describeErrorBody(res)})` : ''}; check spec.image`,
        { status: 404 },
      );
    }
    if (res.status !== 200) {
      throw new RegistryBadResponseError(
        `registry ${registry} answered ${res.status} for ${what} (${describeErrorBody(res) || 'no detail'})`,
        { status: res.status },
      );
    }
    const body = (parseJsonAnswer(res, registry, what) ?? {}) as { tags?: unknown };
    if (body.tags !== null && body.tags !== undefined && !Array.isArray(body.tags)) {
      throw new RegistryBadResponseError(
        `registry ${registry} sent a "tags" field that is not a list for ${what}`,
      );
    }
    for (const t of (body.tags as unknown[] | null | undefined) ?? []) if (typeof t === 'string') tags.add(t);
    const next = nextLink(res.headers.get('link'), res.url);
    if (next === undefined || seen.has(next)) break;
    if (new URL(next).origin !== new URL(list.origin).origin) {
      throw new RegistryBadResponseError(
        `registry ${registry} linked the next page of ${what} to another host (${new URL(next).host}); not following`,
      );
    }
    url = next;
  }
  return Object.freeze([...tags]);
}
