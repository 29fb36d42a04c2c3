// `tagpilot approve NAME` and `tagpilot reject NAME`: answer the tag that waits for approval on an Image
// (docs/safe-updates.md#approvals). The CLI writes the same annotation a person would write with kubectl
// (tagpilot.dev/approve=TAG or tagpilot.dev/reject=TAG); the controller acts on it. Before writing, it
// judges the answer with the controller's own rule (domain/approval/answer.ts), so an answer the
// controller would ignore is refused here with the same words, and nothing is written.
import { parseArgs } from 'node:util';
import { errorMessage } from '../../common/errors.js';
import { ANNOTATION_OF, type Verb } from '../../domain/approval/annotations.js';
import { judgeAnswer } from '../../domain/approval/answer.js';
import { approvalRequired } from '../../domain/approval/pending.js';
import { fail } from './fail.js';
import { openImage } from './image-annotation.js';
import { outputFlagOptions, outputFlagUsage, writeJson } from './output.js';

export { CLI_FIELD_MANAGER } from './image-annotation.js';

const WHAT: Record<Verb, string> = {
  approve: `Approves the tag that waits for approval on Image NAME (status.pending): sets the annotation
tagpilot.dev/approve=TAG, as "kubectl annotate" would, and the controller applies exactly that tag and
digest.`,
  reject: `Rejects the tag that waits for approval on Image NAME (status.pending): sets the annotation
tagpilot.dev/reject=TAG, as "kubectl annotate" would, and the controller records the tag in
status.rejected and never applies it.`,
};

const usage = (verb: Verb) => `usage: tagpilot ${verb} NAME [options]

${WHAT[verb]}
Nothing is written when nothing waits or another tag waits. Exit codes: 0 written, 1 refused or the
cluster could not be asked, 2 bad input.

  -n, --namespace NS     namespace of the Image (default: the kubeconfig context's, else "default")
  --tag TAG              the tag to ${verb} (default: the one that waits); refused when another tag waits
  --kubeconfig PATH      cluster to use (default: $KUBECONFIG, ~/.kube/config, in-cluster)
  --context NAME         kubeconfig context
${outputFlagUsage}
  -h, --help             this help

See docs/safe-updates.md#approvals.`;

const options = {
  namespace: { type: 'string', short: 'n' },
  tag: { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  ...outputFlagOptions,
  help: { type: 'boolean', short: 'h' },
} as const;

/** `tagpilot approve|reject -o json`. */
export interface AnswerJson {
  namespace: string;
  name: string;
  verb: Verb;
  tag: string;
  /** The digest that waits with the tag (what an approval applies), when known. */
  digest?: string;
  /** The annotation written, e.g. tagpilot.dev/approve. */
  annotation: string;
}

export async function run(verb: Verb, argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    return fail(verb, `${errorMessage(err)}; run "tagpilot ${verb} --help"`, 2);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(usage(verb) + '\n');
    return 0;
  }
  const [name, ...extra] = positionals;
  if (name === undefined) return fail(verb, `missing NAME: tagpilot ${verb} NAME [-n NAMESPACE]`, 2);
  if (extra.length > 0) return fail(verb, `unexpected argument "${extra[0]}"`, 2);
  const opened = await openImage(verb, name, values);
  if (typeof opened === 'number') return opened;
  const { format, namespace, images, image } = opened;
  const pending = image.status?.pending;
  const judged = judgeAnswer(verb, values.tag?.trim() ?? pending?.tag ?? '', pending);
  if (!judged.ok) {
    const why =
      judged.reason === 'NothingPending' && !approvalRequired(image.spec)
        ? ' (this Image does not require approval: spec.approval.required is not true)'
        : '';
    return fail(verb, `Image ${namespace}/${name}: ${judged.message}${why}`, 1);
  }
  const tag = judged.pending.tag;
  const annotation = ANNOTATION_OF[verb];
  // Conditional on the resourceVersion read: a status that moved on since (a newer tag superseded
  // this one) fails the write instead of answering for the wrong tag.
  const written = await images.annotate(image, { [annotation]: tag });
  if (!written.ok) {
    if (written.conflict) {
      return fail(
        verb,
        `Image ${namespace}/${name} changed while ${tag} was being answered (a newer tag may wait now); run "tagpilot ${verb} ${name} -n ${namespace}" again`,
        1,
      );
    }
    return fail(verb, written.message, 1);
  }
  if (format === 'json') {
    const out: AnswerJson = {
      namespace,
      name,
      verb,
      tag,
      ...(judged.pending.digest ? { digest: judged.pending.digest } : {}),
      annotation,
    };
    writeJson(out);
  } else {
    const next =
      verb === 'approve'
        ? 'the controller applies it now'
        : 'the controller records it in status.rejected and never applies it';
    process.stdout.write(
      `${verb === 'approve' ? 'approved' : 'rejected'} ${tag} on Image ${namespace}/${name} (${annotation}=${tag}); ${next}\n`,
    );
  }
  return 0;
}
