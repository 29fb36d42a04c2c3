// A human web page for a repository, linked from chat messages and e-mails. Only registries whose page
// URL follows from the repository name alone; for the others (GCR/Artifact Registry, ECR, ACR, private
// registries) the page needs account details Tagpilot does not have, so no link is better than a wrong one.
import { parseImageReference } from '../registry/index.js';

export function registryLink(image: string): string | undefined {
  let ref;
  try {
    ref = parseImageReference(image);
  } catch {
    return undefined;
  }
  const repo = ref.repository;
  switch (ref.domain) {
    case 'docker.io':
      return repo.startsWith('library/')
        ? `https://hub.docker.com/_/${repo.slice('library/'.length)}`
        : `https://hub.docker.com/r/${repo}`;
    case 'ghcr.io':
      // GitHub redirects ghcr.io/OWNER/NAME in a browser to the package page.
      return `https://ghcr.io/${repo}`;
    case 'quay.io':
      return `https://quay.io/repository/${repo}`;
    default:
      return undefined;
  }
}
