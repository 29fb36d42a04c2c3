// Tags that webhooks named for an Image and its next evaluation has not looked at yet. The evaluation
// asks the registry for each one directly (a manifest HEAD), so a tag just pushed counts even when the
// repository's tag listing lags behind the push (some registries list tags eventually).
//
// A named tag the registry does not have yet is looked at again a few times: registries may announce a
// push before the tag answers (Distribution sends its push notification when the manifest is stored,
// before it links the tag), and that first look must not be the only one.
const MAX_KEYS = 10_000;
const MAX_TAGS_PER_KEY = 16;
/** How many more evaluations look for a named tag the registry did not have. */
export const NOT_FOUND_LOOKS = 3;

export class PushedTags {
  private readonly byKey = new Map<string, string[]>();
  /** `key` → tag → how many evaluations did not find it. */
  private readonly misses = new Map<string, Map<string, number>>();

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

  /**
   * Named tags the registry did not have: noted again for a later evaluation while they have looks
   * left. Returns whether any was (the caller re-queues the Image shortly).
   */
  notFound(key: string, tags: readonly string[]): boolean {
    const counts = this.misses.get(key) ?? new Map<string, number>();
    const again = tags.filter((t) => {
      const n = (counts.get(t) ?? 0) + 1;
      counts.set(t, n);
      return n <= NOT_FOUND_LOOKS;
    });
    for (const t of counts.keys()) if (!tags.includes(t)) counts.delete(t);
    this.misses.delete(key);
    if (this.misses.size >= MAX_KEYS) this.misses.delete(this.misses.keys().next().value!);
    if (counts.size > 0) this.misses.set(key, counts);
    if (again.length > 0) this.add(key, again);
    return again.length > 0;
  }

  forget(key: string): void {
    this.byKey.delete(key);
    this.misses.delete(key);
  }
}
