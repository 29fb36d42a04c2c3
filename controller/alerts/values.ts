// Reading `valueFrom` references (Secret and ConfigMap keys). Values are read when an alert is sent or a
// configuration is checked, kept in memory only, and never appear in an error message: errors name the
// object and key, and say what to do.
import type { CoreV1Api } from '@kubernetes/client-node';
import { errorMessage } from '../../common/errors.js';
import { statusCode } from '../../common/kube.js';

export interface ValueRef {
  kind: 'Secret' | 'ConfigMap';
  namespace: string;
  name: string;
  key: string;
}

/** Reads one key of a Secret or ConfigMap. Throws ValueReadError (whose message holds no value). */
export interface ValueReader {
  read(ref: ValueRef): Promise<string>;
}

export class ValueReadError extends Error {
  override name = 'ValueReadError';
}

export function describeRef(ref: Omit<ValueRef, 'key'> & { key?: string }): string {
  const obj = `${ref.kind} ${ref.namespace}/${ref.name}`;
  return ref.key === undefined ? obj : `key "${ref.key}" of ${obj}`;
}

type ObjectData = Record<string, string>;

/**
 * A ValueReader over the Kubernetes API. Each Secret/ConfigMap is fetched once per reader, so one reader
 * per resolution (not per process) keeps values fresh while reading a shared Secret only once.
 */
export function kubeValueReader(core: CoreV1Api): ValueReader {
  const objects = new Map<string, Promise<ObjectData>>();

  const fetchObject = async (ref: ValueRef): Promise<ObjectData> => {
    try {
      if (ref.kind === 'Secret') {
        const s = await core.readNamespacedSecret({ name: ref.name, namespace: ref.namespace });
        return Object.fromEntries(
          Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
        );
      }
      const cm = await core.readNamespacedConfigMap({ name: ref.name, namespace: ref.namespace });
      const binary = Object.entries(cm.binaryData ?? {}).map(([k, v]) => [
        k,
        Buffer.from(v, 'base64').toString('utf8'),
      ]);
      return { ...Object.fromEntries(binary), ...(cm.data ?? {}) };
    } catch (err) {
      const code = statusCode(err);
      const what = describeRef({ ...ref, key: undefined });
      if (code === 404) throw new ValueReadError(`${what} not found; create it or fix the reference`);
      if (code === 403) {
        throw new ValueReadError(
          `not allowed to read ${what}: grant "get" on ${ref.kind === 'Secret' ? 'secrets' : 'configmaps'} in namespace ${ref.namespace}`,
        );
      }
      // Client errors may quote the request, never a response body with data; keep only the status.
      throw new ValueReadError(
        `cannot read ${what}: ${code !== undefined ? `HTTP ${code}` : firstLine(errorMessage(err))}`,
      );
    }
  };

  return {
    async read(ref) {
      const id = `${ref.kind}/${ref.namespace}/${ref.name}`;
      let pending = objects.get(id);
      if (!pending) {
        pending = fetchObject(ref);
        objects.set(id, pending);
      }
      const data = await pending;
      const value = data[ref.key];
      if (value === undefined) {
        const keys = Object.keys(data).sort();
        throw new ValueReadError(
          `${describeRef({ ...ref, key: undefined })} has no key "${ref.key}"` +
            (keys.length > 0 ? ` (its keys: ${keys.join(', ')})` : ' (it has no data)'),
        );
      }
      return value;
    },
  };
}

function firstLine(s: string): string {
  return (s.split('\n')[0] ?? '').slice(0, 200);
}

/** A reader for when no cluster is configured: every reference fails with the fix. */
export const noClusterReader: ValueReader = {
  read(ref) {
    return Promise.reject(
      new ValueReadError(`${describeRef(ref)} cannot be read without cluster access: pass --kubeconfig PATH`),
    );
  },
};
