// One keep-alive connection pool per apiserver for every call a program makes. @kubernetes/client-node
// 1.x builds a new https.Agent for each API call (KubeConfig.applySecurityAuthentication → createAgent),
// so every status patch, Event and list opened its own TCP connection and paid a full TLS handshake:
// at 1,000 Images that was most of a program's start-up CPU (docs/benchmarks.md, "Operator").
import type { Agent as HttpAgent } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';

type AgentOptions = Record<string, unknown>;
interface WithCreateAgent {
  createAgent(cluster: { server?: string; proxyUrl?: string } | null, options: AgentOptions): HttpAgent;
}

/** The options that make two agents different; credentials and CA arrive as fresh Buffers each call. */
const IDENTITY = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

function same(a: unknown, b: unknown): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  return a === b;
}

/**
 * Makes `kc` hand the same keep-alive agent to every call while the cluster, CA and client credentials
 * stay the same; when they change (a rotated client certificate) a new one is made, and the old one's
 * idle connections are left for the server to close (calls still in flight on them finish). Proxied clusters keep client-node's own agents. Returns `kc`.
 */
export function reuseConnections(kc: KubeConfig): KubeConfig {
  const target = kc as unknown as WithCreateAgent;
  if (typeof target.createAgent !== 'function') {
    throw new Error(
      '@kubernetes/client-node has no KubeConfig.createAgent any more: update common/kube-connections.ts',
    );
  }
  const create = target.createAgent.bind(kc);
  let current: { server: string | undefined; options: AgentOptions; agent: HttpAgent } | undefined;
  target.createAgent = (cluster, options) => {
    if (cluster?.proxyUrl) return create(cluster, options);
    if (
      current &&
      current.server === cluster?.server &&
      IDENTITY.every((k) => same(current!.options[k], options[k]))
    )
      return current.agent;
    const agent = rememberPoolName(create(cluster, { ...options, keepAlive: true }));
    current = { server: cluster?.server, options, agent };
    return agent;
  };
  return kc;
}

/**
 * The TLS material a request could bring that would put it in another pool. Not servername: Node sets
 * it on every request (`''` for an IP address), and the remembered name is per servername anyway.
 */
const POOL_MATERIAL = IDENTITY.filter((k) => k !== 'servername');

type NamedAgent = HttpAgent & {
  getName(options?: Record<string, unknown>): string;
  options: Record<string, unknown>;
};

/**
 * An https.Agent names the connection pool of every request from all its TLS options, turning the CA,
 * client certificate and key Buffers into strings each time (a few KiB per request, thousands of
 * requests in an update tick). This agent serves one apiserver with one identity, so the name depends
 * only on where the request goes; a request that brings other TLS material is named the long way.
 */
function rememberPoolName(agent: HttpAgent): HttpAgent {
  const named = agent as NamedAgent;
  if (typeof named.getName !== 'function') return agent;
  const nameOf = named.getName.bind(agent);
  const names = new Map<string, string>();
  named.getName = (o: Record<string, unknown> = {}) => {
    // Equal content, not the same object: a request's credentials are copies of the agent's (KubeJson
    // keeps one answer of applyToHTTPSOptions a second, its Buffers new each time).
    if (POOL_MATERIAL.some((k) => o[k] !== undefined && !same(o[k], named.options[k]))) return nameOf(o);
    const where = `${String(o.host)}|${String(o.port)}|${String(o.localAddress)}|${String(o.family)}|${String(o.servername)}|${String(o.socketPath)}`;
    let name = names.get(where);
    if (name === undefined) {
      name = nameOf(o);
      if (names.size < 64) names.set(where, name);
    }
    return name;
  };
  return agent;
}
