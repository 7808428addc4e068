// Directory listings (and pages made from them) kept for clients paging through them, bounded by what they hold.
//
// Bounded by size (entries, bytes) rather than by count: a root filesystem has thousands of small directories and
// a few huge ones, and a count of directories either thrashes on the first or holds too much of the second.

export class ListingCache<L, K = bigint> {
  readonly #kept = new Map<K, L>();
  #entries = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly sizeOf: (listing: L) => number,
  ) {}

  get(dirId: K): L | undefined {
    return this.#kept.get(dirId);
  }

  /** Keeps `listing` as the newest; the oldest go until the rest fit (the newest always stays). */
  set(dirId: K, listing: L): void {
    this.delete(dirId);
    this.#kept.set(dirId, listing);
    this.#entries += this.sizeOf(listing);
    for (const oldest of this.#kept.keys()) {
      if (this.#entries <= this.maxEntries || oldest === dirId) break;
      this.delete(oldest);
    }
  }

  delete(dirId: K): void {
    const kept = this.#kept.get(dirId);
    if (kept === undefined) return;
    this.#kept.delete(dirId);
    this.#entries -= this.sizeOf(kept);
  }

  /** Entries held now. */
  get entries(): number {
    return this.#entries;
  }
}
