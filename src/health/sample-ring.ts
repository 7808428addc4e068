// Fixed-size ring of the most recent health samples: the charts need the last hour, and memory must not grow past it.

export class SampleRing<T> {
  readonly capacity: number;
  readonly #slots: (T | undefined)[];
  /** Index the next push writes to; once full, also the oldest item. */
  #next = 0;
  #size = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be a whole number >= 1, got ${capacity}`);
    this.capacity = capacity;
    this.#slots = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** Adds an item, dropping the oldest when full. */
  push(item: T): void {
    this.#slots[this.#next] = item;
    this.#next = (this.#next + 1) % this.capacity;
    this.#size = Math.min(this.#size + 1, this.capacity);
  }

  latest(): T | null {
    if (this.#size === 0) return null;
    return this.#slots[(this.#next - 1 + this.capacity) % this.capacity] ?? null;
  }

  /** Oldest first. */
  toArray(): T[] {
    const start = (this.#next - this.#size + this.capacity) % this.capacity;
    const out: T[] = [];
    for (let i = 0; i < this.#size; i++) out.push(this.#slots[(start + i) % this.capacity] as T);
    return out;
  }
}
