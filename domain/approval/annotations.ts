// The approval annotations (docs/safe-updates.md#approvals) and the exact commands that set them, so the
// status message, the alert, the Events and the CLI all tell people the same thing.
export const APPROVE_ANNOTATION = 'tagpilot.dev/approve';
export const REJECT_ANNOTATION = 'tagpilot.dev/reject';

export type Verb = 'approve' | 'reject';

export const ANNOTATION_OF: Record<Verb, string> = {
  approve: APPROVE_ANNOTATION,
  reject: REJECT_ANNOTATION,
};

/** The two ways to answer: the annotation with kubectl, and the CLI (which writes that annotation). */
export function answerCommands(
  verb: Verb,
  image: { namespace: string; name: string },
  tag: string,
): { kubectl: string; cli: string } {
  return {
    kubectl: `kubectl annotate image -n ${image.namespace} ${image.name} ${ANNOTATION_OF[verb]}=${tag}`,
    cli: `tagpilot ${verb} ${image.name} -n ${image.namespace} --tag ${tag}`,
  };
}

/** One sentence with every command to approve or reject `tag`. */
export function answerHint(image: { namespace: string; name: string }, tag: string): string {
  const a = answerCommands('approve', image, tag);
  const r = answerCommands('reject', image, tag);
  return `approve with "${a.kubectl}" or "${a.cli}"; reject with "${r.kubectl}" or "${r.cli}"`;
}
