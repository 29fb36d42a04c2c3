// Placeholder: the real client lands in the next commit; the shape is final.
import type { RegistryAccess } from './access.js';
import type { ImageReference } from './reference.js';

export class RegistryClient {
  async listTags(_ref: ImageReference | string, _access: RegistryAccess = {}): Promise<readonly string[]> {
    throw new Error('registry client: not implemented yet');
  }
}
