// Schema source of status.pods: which running Pods run the registry's digest of status.tag for their
// node's platform (docs/without-custom-resources.md, "Running Pods"). Generated like the rest of the
// Image from crds/image.schema.ts.
import { arr, bool, int, named, obj, str } from './schema/builders.js';
import { DIGEST } from './schema/shared.js';

const stalePod = named(
  'ImageStalePod',
  'A running Pod whose container runs another digest than the registry has for its node.',
  obj(
    'A running Pod whose container runs another digest than the registry has for its node.',
    {
      workload: str('The workload the Pod belongs to, Kind/name.', { maxLength: 300 }),
      pod: str('Pod name.', { maxLength: 253 }),
      container: str('Container name.', { maxLength: 253 }),
      node: str('Node the Pod runs on.', { maxLength: 253 }),
      platform: str("The node's platform, os/architecture[/variant].", { maxLength: 64 }),
      running: str('Digest the container was started from (containerStatuses[].imageID).', {
        maxLength: 256,
        pattern: DIGEST,
      }),
      expected: str("The registry's digest for the node's platform.", { maxLength: 256, pattern: DIGEST }),
      afterRestart: bool(
        `The Pod was created by a restart Tagpilot made for this digest and still runs the old one
         (e.g. imagePullPolicy IfNotPresent); its workload is not restarted again for this digest.`,
      ),
    },
    ['workload', 'pod', 'container', 'running'],
  ),
);

export const pods = named(
  'ImagePods',
  'Running Pods compared with the registry.',
  obj(
    `The running Pods of the targeted workloads whose containers use the repository, compared with the
     registry's digest of status.tag for each Pod's node platform (a multi-platform index resolved per
     node kubernetes.io/os and kubernetes.io/arch). Written with digest rules and restart actions.`,
    {
      digest: str('The registry digest of status.tag the Pods were compared with.', {
        maxLength: 256,
        pattern: DIGEST,
      }),
      current: int('Containers running that digest (or its entry for their node platform).', {
        minimum: 0,
      }),
      stale: int('Containers running another digest.', { minimum: 0 }),
      unknown: int(
        'Containers that cannot be compared yet: no imageID (not started), or a node without a platform the image offers.',
        { minimum: 0 },
      ),
      stalePods: arr('The first 10 stale containers.', stalePod, { maxItems: 10 }),
    },
    ['current', 'stale', 'unknown'],
  ),
);
