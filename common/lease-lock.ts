// The leader-election record as stored in a coordination.k8s.io/v1 Lease, and the three calls the
// elector makes on it. The elector depends on the LeaseLock interface only, so its unit tests run against
// an in-memory Lease with the same resourceVersion rules as the apiserver.
import { CoordinationV1Api, type KubeConfig, type V1Lease, type V1ObjectMeta } from '@kubernetes/client-node';
import { isNotFound } from './kube.js';

/** The Lease spec fields leader election reads and writes. An empty holder means nobody holds it. */
export interface LeaseRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime?: Date;
  renewTime?: Date;
  leaseTransitions: number;
}

export interface StoredLease {
  record: LeaseRecord;
  resourceVersion: string;
}

/**
 * One Lease. `create` fails with HTTP 409 when it exists; `update` fails with HTTP 409 when the Lease
 * changed since `resourceVersion` (someone else wrote). Errors carry the status as `code`, like
 * @kubernetes/client-node's ApiException (see `isConflict` in kube.ts).
 */
export interface LeaseLock {
  /** `namespace/name`, for logs. */
  readonly description: string;
  /** The Lease, or undefined when it does not exist. */
  get(): Promise<StoredLease | undefined>;
  create(record: LeaseRecord): Promise<StoredLease>;
  update(record: LeaseRecord, resourceVersion: string): Promise<StoredLease>;
}

/**
 * Lease times are metav1.MicroTime, which the apiserver only parses with six fractional digits;
 * @kubernetes/client-node 1.x serialises Date objects with three and the request fails (400).
 */
function microTime(d: Date | undefined): Date | undefined {
  return d && (d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') as unknown as Date);
}

const toDate = (t: Date | string | undefined) => (t === undefined ? undefined : new Date(t));

function stored(lease: V1Lease): StoredLease {
  const spec = lease.spec ?? {};
  return {
    resourceVersion: lease.metadata?.resourceVersion ?? '',
    record: {
      holderIdentity: spec.holderIdentity ?? '',
      leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
      acquireTime: toDate(spec.acquireTime),
      renewTime: toDate(spec.renewTime),
      leaseTransitions: spec.leaseTransitions ?? 0,
    },
  };
}

const toSpec = (r: LeaseRecord): V1Lease['spec'] => ({
  holderIdentity: r.holderIdentity,
  leaseDurationSeconds: r.leaseDurationSeconds,
  acquireTime: microTime(r.acquireTime),
  renewTime: microTime(r.renewTime),
  leaseTransitions: r.leaseTransitions,
});

export class KubeLeaseLock implements LeaseLock {
  readonly description: string;
  private readonly api: CoordinationV1Api;
  /** Labels, annotations and owners of the last Lease seen, kept on update (a replace drops what it omits). */
  private metadata: V1ObjectMeta;

  constructor(
    kubeConfig: KubeConfig,
    private readonly namespace: string,
    private readonly name: string,
  ) {
    this.api = kubeConfig.makeApiClient(CoordinationV1Api);
    this.description = `${namespace}/${name}`;
    this.metadata = { name, namespace };
  }

  async get(): Promise<StoredLease | undefined> {
    try {
      return this.remember(
        await this.api.readNamespacedLease({ name: this.name, namespace: this.namespace }),
      );
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async create(record: LeaseRecord): Promise<StoredLease> {
    const body: V1Lease = { metadata: { name: this.name, namespace: this.namespace }, spec: toSpec(record) };
    return this.remember(await this.api.createNamespacedLease({ namespace: this.namespace, body }));
  }

  async update(record: LeaseRecord, resourceVersion: string): Promise<StoredLease> {
    const body: V1Lease = { metadata: { ...this.metadata, resourceVersion }, spec: toSpec(record) };
    return this.remember(
      await this.api.replaceNamespacedLease({ name: this.name, namespace: this.namespace, body }),
    );
  }

  private remember(lease: V1Lease): StoredLease {
    if (lease.metadata) this.metadata = lease.metadata;
    return stored(lease);
  }
}
