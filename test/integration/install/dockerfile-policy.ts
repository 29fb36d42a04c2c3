// What the image build must keep true, checked on the Dockerfile text (no Docker engine here; the
// images are built by the release pipeline). A pure function, so the tests can prove each rule fires.

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  name?: string;
  base: string;
  instructions: Instruction[];
}

/** Instructions with continuation lines joined; comments and parser directives dropped. */
export function parseInstructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      i++;
      const next = lines[i]!;
      line = line.replace(/\\\s*$/, ' ') + (/^\s*#/.test(next) ? '' : next.trim());
    }
    const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(line);
    if (m) out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start + 1 });
  }
  return out;
}

export function stages(instructions: readonly Instruction[]): {
  args: Record<string, string>;
  stages: Stage[];
} {
  const args: Record<string, string> = {};
  const list: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'ARG' && list.length === 0) {
      const [k, v] = ins.args.split('=');
      if (k) args[k.trim()] = (v ?? '').trim();
    } else if (ins.keyword === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      const base = (m?.[1] ?? ins.args).replace(
        /\$\{(\w+)\}|\$(\w+)/g,
        (_x, a?: string, b?: string) => args[(a ?? b)!] ?? '',
      );
      list.push({ base, instructions: [], ...(m?.[2] ? { name: m[2] } : {}) });
    } else if (list.length > 0) {
      list[list.length - 1]!.instructions.push(ins);
    }
  }
  return { args, stages: list };
}

export interface PolicyOptions {
  /** Build targets that must exist, each running `node <entry>` as a non-root user. */
  targets: Record<string, string>;
}

/** Violations, one sentence each; empty when the Dockerfile keeps every rule. */
export function dockerfileViolations(text: string, opts: PolicyOptions): string[] {
  const problems: string[] = [];
  const instructions = parseInstructions(text);
  const { stages: list } = stages(instructions);
  if (list.length < 2)
    problems.push('not multi-stage: build in one stage, copy only the output into the runtime stage');
  const byName = new Map(list.filter((s) => s.name).map((s) => [s.name!, s]));

  for (const s of list) {
    if (byName.has(s.base) || s.base === 'scratch') continue; // an earlier stage, or the empty image
    const digest = /@sha256:[a-f0-9]{64}$/.test(s.base);
    const tag = /:[\w][\w.-]*$/.exec(s.base.replace(/^[^/]+:\d+\//, ''))?.[0]?.slice(1);
    if (!digest && (!tag || tag === 'latest'))
      problems.push(`base image ${s.base || '(empty)'} is not pinned: give it a version tag or a digest`);
  }
  for (const ins of instructions) {
    if (ins.keyword === 'ADD')
      problems.push(`line ${ins.line}: ADD — use COPY (ADD fetches URLs and unpacks archives implicitly)`);
    if (ins.keyword === 'HEALTHCHECK')
      problems.push(
        `line ${ins.line}: HEALTHCHECK — Kubernetes probes /healthz and /readyz; Docker health checks are ignored there`,
      );
    if (ins.keyword === 'MAINTAINER')
      problems.push(`line ${ins.line}: MAINTAINER is deprecated; use a LABEL`);
  }

  /** The chain of stages a target is built from, target last. */
  const chain = (s: Stage): Stage[] => {
    const parent = byName.get(s.base);
    return parent && parent !== s ? [...chain(parent), s] : [s];
  };
  for (const [target, entry] of Object.entries(opts.targets)) {
    const stage = byName.get(target);
    if (!stage) {
      problems.push(`no build target "${target}"`);
      continue;
    }
    const all = chain(stage).flatMap((s) => s.instructions);
    const user = all.filter((i) => i.keyword === 'USER').pop()?.args;
    const uid = user?.split(':')[0];
    if (!uid) problems.push(`target ${target} runs as root: add USER with a numeric non-zero UID`);
    else if (!/^\d+$/.test(uid))
      problems.push(`target ${target}: USER ${user} is not numeric, so runAsNonRoot cannot verify it`);
    else if (Number(uid) === 0) problems.push(`target ${target}: USER 0 is root`);
    for (const i of all.filter((x) => x.keyword === 'RUN'))
      problems.push(`target ${target}: RUN at line ${i.line} in a runtime stage; do it in the build stage`);
    const entrypoint = all.filter((i) => i.keyword === 'ENTRYPOINT').pop();
    let argv: unknown;
    try {
      argv = entrypoint ? JSON.parse(entrypoint.args) : undefined;
    } catch {
      argv = undefined;
    }
    if (!Array.isArray(argv))
      problems.push(`target ${target}: ENTRYPOINT must be in exec form (a JSON array) so signals reach node`);
    else if (!argv.includes(entry))
      problems.push(`target ${target}: ENTRYPOINT ${entrypoint!.args} does not run ${entry}`);
    const lastFrom = chain(stage)[0]!;
    if (byName.has(lastFrom.base)) problems.push(`target ${target} is not built on a base image`);
  }
  return problems;
}

/** Sources of COPY instructions that come from the build context (not --from another stage). */
export function contextCopySources(text: string): string[] {
  return parseInstructions(text)
    .filter((i) => i.keyword === 'COPY' && !/--from=/.test(i.args))
    .flatMap((i) => {
      const parts = i.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      return parts.slice(0, -1);
    });
}
