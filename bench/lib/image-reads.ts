// What the controller bench itself reads of the Images (apart from the controller's reads, which it
// counts): whether some rollout is still followed, and the size of one Image.
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { IMAGE } from '../../crds/index.js';

type ImageList = {
  items: { metadata: { managedFields?: unknown }; status?: { rollout?: unknown } }[];
  metadata?: { _continue?: string };
};

export class BenchImageReads {
  /** LIST requests made so far: the phase subtracts them from the apiserver's count of the controller's. */
  lists = 0;

  constructor(private readonly custom: CustomObjectsApi) {}

  private async page(limit: number, _continue?: string): Promise<ImageList> {
    this.lists++;
    return (await this.custom.listClusterCustomObject({
      group: IMAGE.group,
      version: IMAGE.version,
      plural: IMAGE.plural,
      limit,
      _continue,
    })) as ImageList;
  }

  /**
   * Whether the health gate still follows some Image's rollout (status.rollout set). Pages of 500, and it
   * stops at the first page that has one: while rollouts are followed that is usually the first page, and
   * only the last poll of a phase reads every Image (at 10,000 Images one unpaged list is ~50 MB of JSON).
   */
  async anyFollowedRollout(): Promise<boolean> {
    let _continue: string | undefined;
    do {
      const page = await this.page(500, _continue);
      if (page.items.some((i) => i.status?.rollout)) return true;
      _continue = page.metadata?._continue || undefined;
    } while (_continue);
    return false;
  }

  /**
   * One Image's size as JSON, status and managedFields apart (what each status apply returns and each
   * watch event carries; the apiserver's cost per write grows with it), and the Image itself if `show`.
   */
  async sample(show: boolean): Promise<string | undefined> {
    const one = (await this.page(1)).items[0];
    if (!one) return undefined;
    const size = (v: unknown) => JSON.stringify(v).length;
    return `one Image: ${size(one)} bytes of JSON (status ${size(one.status ?? {})}, managedFields ${size(one.metadata.managedFields ?? [])})${show ? `\n${JSON.stringify(one, null, 1)}` : ''}`;
  }
}
