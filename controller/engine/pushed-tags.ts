// Tags that webhooks named for an Image and its next evaluation has not looked at yet. The evaluation
// asks the registry for each one directly (a manifest HEAD), so a tag just pushed counts even when the
// repository's tag listing lags behind the push (some registries list tags eventually).
const MAX_KEYS = 10_000;
const MAX_TAGS_PER_KEY = 16;

export class PushedTags {
  private readonly byKey = new Map<string, string[]>();

  add(key: string, tags: readonly string[]): void {
    const merged = [...(this.byKey.get(key) ?? []).filter((t) => !tags.includes(t)), ...tags];
    this.byKey.delete(key);
    // Bounded: the oldest keys go first; losing one only means waiting for the listing to show the tag.
    if (this.byKey.size >= MAX_KEYS) this.byKey.delete(this.byKey.keys().next().value!);
    this.byKey.set(key, merged.slice(-MAX_TAGS_PER_KEY));
  }

  /** The tags noted for `key`, forgotten from here on (give them back with add when the check fails). */
  take(key: string): string[] {
    const tags = this.byKey.get(key) ?? [];
    this.byKey.delete(key);
    return tags;
  }

  forget(key: string): void {
    this.byKey.delete(key);
  }
}
