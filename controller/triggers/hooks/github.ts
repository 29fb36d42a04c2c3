// POST /v1/hooks/github: GitHub `package` and `registry_package` events (GHCR pushes), signed in
// X-Hub-Signature-256. The repository comes from package_version.package_url (`ghcr.io/owner/name:tag`),
// falling back to ghcr.io/<owner>/<name>; GitHub keeps owner case (`Codertocat`) while GHCR names are
// lowercase, so both are lowercased.
import { at, isObject, str, type Json } from './json.js';
import { BadPayloadError, type ParseContext, type ParseResult, type RawEvent } from './types.js';

const PACKAGE_EVENTS = ['package', 'registry_package'];
const PUSH_ACTIONS = ['published', 'updated'];

export function parseGitHub(body: Json, ctx: ParseContext): ParseResult {
  const header = ctx.headers['x-github-event'];
  const event = (Array.isArray(header) ? header[0] : header)?.trim();
  if (event === undefined || event === '') {
    throw new BadPayloadError('the X-GitHub-Event header is missing; is this a GitHub webhook delivery?');
  }
  if (event === 'ping') return { kind: 'ping' };
  if (!PACKAGE_EVENTS.includes(event)) {
    return {
      kind: 'ignored',
      reason: `event "${event}" is not a package event; subscribe the webhook to "Packages" only`,
    };
  }
  if (!isObject(body)) throw new BadPayloadError('the body must be a GitHub webhook JSON object');
  const pkg = at(body, event);
  if (!isObject(pkg)) throw new BadPayloadError(`the payload has no ${event} object`);
  const action = str(body, 'action');
  if (action === undefined || !PUSH_ACTIONS.includes(action)) {
    return { kind: 'ignored', reason: `package action "${action ?? ''}" is not a push` };
  }
  const type = (str(pkg, 'package_type') ?? str(pkg, 'registry.type') ?? '').toLowerCase();
  if (type !== 'container') {
    return { kind: 'ignored', reason: `package type "${type}" is not a container image` };
  }

  const tag = str(pkg, 'package_version.container_metadata.tag.name');
  const version = str(pkg, 'package_version.version');
  const digest =
    str(pkg, 'package_version.container_metadata.tag.digest') ??
    (version?.startsWith('sha256:') ? version : undefined);

  let repository: string;
  const url = str(pkg, 'package_version.package_url');
  if (url !== undefined) {
    // `ghcr.io/owner/name:tag`, or `ghcr.io/owner/name:` for an untagged version.
    repository = url.replace(/@.*$/, '').replace(/:[^/]*$/, '');
  } else {
    const owner = str(pkg, 'owner.login') ?? str(pkg, 'namespace');
    const name = str(pkg, 'name');
    if (owner === undefined || name === undefined) {
      throw new BadPayloadError(
        `the ${event} has neither package_version.package_url nor owner.login and name`,
      );
    }
    repository = `ghcr.io/${owner}/${name}`;
  }
  const raw: RawEvent = {
    repository: repository.toLowerCase(),
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
  return { kind: 'events', events: [raw] };
}
