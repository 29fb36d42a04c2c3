// `tagpilot release NAME`: ends holds on an Image (docs/safe-updates.md, "Holds"). The CLI writes the
// annotation a person would write with kubectl (tagpilot.dev/release=Kind/name[,…] or =all); the
// controller releases the holds and brings those workloads back to status.tag. Before writing, it checks
// that every workload named is held, with the same matching as the controller (domain/holds), so a
// typo is refused here instead of sitting on the Image as an annotation that releases nothing.
import { parseArgs } from 'node:util';
import { errorMessage } from '../../common/errors.js';
import { RELEASE_ALL, RELEASE_ANNOTATION, releaseTargets, workloadOf } from '../../domain/holds/holds.js';
import { fail } from './fail.js';
import { openImage } from './image-annotation.js';
import { outputFlagOptions, outputFlagUsage, writeJson } from './output.js';

const COMMAND = 'release';

const usage = `usage: tagpilot release NAME (--workload KIND/NAME... | --all) [options]

Releases workloads that Image NAME holds after a hand rollback (status.holds): sets the annotation
tagpilot.dev/release, as "kubectl annotate" would, and the controller brings them back to status.tag
and follows the Image again. Nothing is written when a workload named is not held. Exit codes: 0
written, 1 refused or the cluster could not be asked, 2 bad input.

  -n, --namespace NS     namespace of the Image (default: the kubeconfig context's, else "default")
  -w, --workload K/N     a held workload, e.g. Deployment/web (repeatable; the kind in any case)
  --all                  every held workload of the Image
  --kubeconfig PATH      cluster to use (default: $KUBECONFIG, ~/.kube/config, in-cluster)
  --context NAME         kubeconfig context
${outputFlagUsage}
  -h, --help             this help

See docs/safe-updates.md#holds.`;

const options = {
  namespace: { type: 'string', short: 'n' },
  workload: { type: 'string', short: 'w', multiple: true },
  all: { type: 'boolean' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  ...outputFlagOptions,
  help: { type: 'boolean', short: 'h' },
} as const;

/** `tagpilot release -o json`. */
export interface ReleaseJson {
  namespace: string;
  name: string;
  /** The held workloads released, `Kind/name`, as status.holds names them. */
  workloads: string[];
  /** The annotation written and its value. */
  annotation: string;
  value: string;
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    return fail(COMMAND, `${errorMessage(err)}; run "tagpilot release --help"`, 2);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  const [name, ...extra] = positionals;
  if (name === undefined) {
    return fail(COMMAND, 'missing NAME: tagpilot release NAME (--workload KIND/NAME | --all)', 2);
  }
  if (extra.length > 0) return fail(COMMAND, `unexpected argument "${extra[0]}"`, 2);
  const named = (values.workload ?? []).map((w) => w.trim());
  if (values.all && named.length > 0) return fail(COMMAND, '--all and --workload exclude each other', 2);
  const malformed = named.find((w) => !/^[A-Za-z]+\/[^/,\s]+$/.test(w));
  if (malformed !== undefined) {
    return fail(COMMAND, `--workload "${malformed}": expected KIND/NAME, e.g. Deployment/web`, 2);
  }
  const opened = await openImage(COMMAND, name, values);
  if (typeof opened === 'number') return opened;
  const { format, namespace, images, image } = opened;
  const held = [...new Set((image.status?.holds ?? []).map(workloadOf))];
  if (held.length === 0) {
    return fail(
      COMMAND,
      `Image ${namespace}/${name} holds no workload (status.holds is empty): nothing to release`,
      1,
    );
  }
  if (!values.all && named.length === 0) {
    return fail(COMMAND, `name what to release: --workload ${held.join(' --workload ')}, or --all`, 2);
  }
  // The controller's own matching: the kind in any case, the name exactly.
  const wanted = releaseTargets(named.join(','));
  const released = values.all ? held : held.filter((w) => wanted.workloads.has(lowerKind(w)));
  const unknown = named.filter((w) => !held.some((h) => lowerKind(h) === lowerKind(w)));
  if (unknown.length > 0) {
    return fail(
      COMMAND,
      `Image ${namespace}/${name} does not hold ${unknown.join(', ')}; it holds ${held.join(', ')}`,
      1,
    );
  }
  const value = values.all ? RELEASE_ALL : released.join(',');
  // Conditional on the resourceVersion read: holds that changed meanwhile are judged again.
  const written = await images.annotate(image, { [RELEASE_ANNOTATION]: value });
  if (!written.ok) {
    if (written.conflict) {
      return fail(
        COMMAND,
        `Image ${namespace}/${name} changed while it was being released; run "tagpilot release ${name} -n ${namespace}" again`,
        1,
      );
    }
    return fail(COMMAND, written.message, 1);
  }
  if (format === 'json') {
    const out: ReleaseJson = { namespace, name, workloads: released, annotation: RELEASE_ANNOTATION, value };
    writeJson(out);
  } else {
    process.stdout.write(
      `released ${released.join(', ')} on Image ${namespace}/${name} (${RELEASE_ANNOTATION}=${value}); the controller brings ${released.length === 1 ? 'it' : 'them'} back to ${image.status?.tag ?? 'status.tag'} now\n`,
    );
  }
  return 0;
}

function lowerKind(workload: string): string {
  const slash = workload.indexOf('/');
  return `${workload.slice(0, slash).toLowerCase()}/${workload.slice(slash + 1)}`;
}
