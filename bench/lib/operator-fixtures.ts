// The operator bench's Images: N over N/10 repositories of a registry that is never asked (the operator
// only pins what status says), spread over namespaces.
export const PER_REPO = 10;
export const REGISTRY = 'registry.bench.local:5000';

/** Image `i`: repository i/10, namespace i mod NAMESPACES; every Image of a repository pins one tag. */
export const fixture = (i: number, NAMESPACES: number) => {
  const r = Math.floor(i / PER_REPO);
  return {
    name: `img-${i}`,
    namespace: `bench-${i % NAMESPACES}`,
    repository: `${REGISTRY}/bench/r${String(r).padStart(4, '0')}`,
    digestRule: i % 3 === 0,
  };
};
export const digestFor = (tag: string, r: string) =>
  `sha256:${Buffer.from(`${tag}${r}`).toString('hex').padEnd(64, '0').slice(0, 64)}`;
