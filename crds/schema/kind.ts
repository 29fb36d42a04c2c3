// What one custom resource kind is made of, and how its full openAPIV3Schema is assembled from the
// spec and status schemas written in the *.schema.ts sources.
import { doc, obj, str, type Schema } from './builders.js';

export const API_GROUP = 'tagpilot.dev';
export const API_VERSION = 'v1alpha1';
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;

export interface PrinterColumn {
  name: string;
  type: 'string' | 'date' | 'integer' | 'number' | 'boolean';
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface KindSource {
  kind: string;
  singular: string;
  plural: string;
  listKind: string;
  shortNames: readonly string[];
  categories: readonly string[];
  /** Shown by `kubectl explain <plural>`. */
  description: string;
  spec: Schema;
  status: Schema;
  printerColumns: readonly PrinterColumn[];
  /** Fields usable in field selectors (`--field-selector spec.image=…`), Kubernetes ≥ 1.31. */
  selectableFields?: readonly string[];
}

/** The openAPIV3Schema of a kind: standard envelope around its spec and status. */
export function rootSchema(k: KindSource): Schema {
  const root = obj(
    k.description,
    {
      apiVersion: {
        ...str(
          `APIVersion defines the versioned schema of this representation of an object.
           Servers should convert recognized schemas to the latest internal value, and may reject
           unrecognized values.`,
        ),
        tsType: `'${API_GROUP_VERSION}'`,
      },
      kind: {
        ...str(
          `Kind is a string value representing the REST resource this object represents. Servers may
           infer this from the endpoint the client submits requests to. In CamelCase.`,
        ),
        tsType: `'${k.kind}'`,
      },
      // The apiserver allows nothing but `type: object` here: it owns the metadata schema.
      metadata: { type: 'object', tsType: 'V1ObjectMeta' },
      spec: k.spec,
      status: k.status,
    },
    ['spec'],
  );
  return {
    ...root,
    tsName: k.kind,
    tsDoc: doc(k.description),
    tsRequired: ['apiVersion', 'kind', 'metadata'],
  };
}
