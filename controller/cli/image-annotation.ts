// What `tagpilot approve|reject` and `tagpilot release` share: read one Image as the user's kubeconfig
// allows, and write an annotation on it the way `kubectl annotate` would, but conditional on the
// resourceVersion read, so an answer judged against a status that moved on meanwhile is not written.
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { errorMessage } from '../../common/errors.js';
import { isConflict, isNotFound, kubeMessage, loadKubeConfig } from '../../common/kube.js';
import { IMAGE, type Image } from '../../crds/index.js';
import { fail } from './fail.js';
import { outputFormat, type OutputFormat } from './output.js';

/** The field manager the annotation is written under: the controller's Events name it as the setter. */
export const CLI_FIELD_MANAGER = 'tagpilot-cli';

export type Outcome<T> = { ok: true; value: T } | { ok: false; message: string; conflict?: true };

export class ImageAnnotator {
  private readonly api: CustomObjectsApi;

  constructor(
    kc: KubeConfig,
    readonly namespace: string,
    readonly name: string,
  ) {
    this.api = kc.makeApiClient(CustomObjectsApi);
  }

  private get base() {
    const { group, version, plural } = IMAGE;
    return { group, version, plural, namespace: this.namespace, name: this.name };
  }

  async read(): Promise<Outcome<Image>> {
    const id = `Image ${this.namespace}/${this.name}`;
    try {
      return { ok: true, value: (await this.api.getNamespacedCustomObject(this.base)) as Image };
    } catch (err) {
      if (isNotFound(err)) return { ok: false, message: `${id} does not exist` };
      return { ok: false, message: `cannot read ${id}: ${kubeMessage(err)}` };
    }
  }

  /** Sets `annotations` on `image` unless it changed since it was read (then `conflict`). */
  async annotate(image: Image, annotations: Record<string, string>): Promise<Outcome<undefined>> {
    try {
      await this.api.patchNamespacedCustomObject(
        {
          ...this.base,
          body: { metadata: { resourceVersion: image.metadata.resourceVersion, annotations } },
          fieldManager: CLI_FIELD_MANAGER,
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      return { ok: true, value: undefined };
    } catch (err) {
      if (isConflict(err)) return { ok: false, conflict: true, message: 'changed since it was read' };
      return {
        ok: false,
        message: `cannot annotate Image ${this.namespace}/${this.name}: ${kubeMessage(err)}`,
      };
    }
  }
}

export interface OpenedImage {
  format: OutputFormat;
  namespace: string;
  images: ImageAnnotator;
  image: Image;
}

/**
 * The output format, the namespace (the flag, else the kubeconfig context's, else "default") and Image
 * NAME as read now; or, after saying why on stderr, the exit code (2 bad flags, 1 the Image).
 */
export async function openImage(
  command: string,
  name: string,
  values: { output?: string; kubeconfig?: string; context?: string; namespace?: string },
): Promise<OpenedImage | number> {
  let format: OutputFormat;
  let kc: KubeConfig;
  try {
    format = outputFormat(values.output);
    kc = loadKubeConfig({ kubeconfig: values.kubeconfig, context: values.context });
  } catch (err) {
    return fail(command, errorMessage(err), 2);
  }
  const namespace = values.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
  const images = new ImageAnnotator(kc, namespace, name);
  const read = await images.read();
  if (!read.ok) return fail(command, read.message, 1);
  return { format, namespace, images, image: read.value };
}
