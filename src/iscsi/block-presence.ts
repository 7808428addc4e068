// Which blocks of each chunk a copy-on-write disk holds itself (the rest read as the golden image): one bit per
// block, in 32-bit words, as the map file keeps them (cow-disk.ts, map version 3). Pure.

/** Every bit of a 32-bit word. */
const ALL = 0xffffffff;

/** Bits lo..hi (0 ≤ lo ≤ hi ≤ 31) of a word, as an unsigned number. */
export function wordMask(lo: number, hi: number): number {
  return ((ALL >>> (31 - hi)) & (ALL << lo)) >>> 0;
}

/** The bits of word w (blocks 32w..32w+31) that lie in blocks [first, last]. */
function maskIn(w: number, first: number, last: number): number {
  return wordMask(w === first >>> 5 ? first & 31 : 0, w === last >>> 5 ? last & 31 : 31);
}

export class BlockPresence {
  /** Words per chunk. */
  readonly words: number;
  /** Chunk c's block b is bit (b % 32) of words[c * this.words + b / 32]. */
  readonly bits: Uint32Array;

  constructor(
    readonly chunks: number,
    readonly blocksPerChunk: number,
  ) {
    if (!Number.isInteger(blocksPerChunk) || blocksPerChunk <= 0 || blocksPerChunk % 32 !== 0) throw new RangeError('blocksPerChunk must be a positive multiple of 32');
    this.words = blocksPerChunk / 32;
    this.bits = new Uint32Array(chunks * this.words);
  }

  /** Whether the chunk holds any block of its own. */
  any(chunk: number): boolean {
    const at = chunk * this.words;
    for (let w = 0; w < this.words; w++) if (this.bits[at + w] !== 0) return true;
    return false;
  }

  /** The state every block in [first, last] shares: 'all' present, 'none', or 'mixed'. */
  state(chunk: number, first: number, last: number): 'all' | 'none' | 'mixed' {
    let seen = 0;
    let missing = 0;
    for (let w = first >>> 5; w <= last >>> 5; w++) {
      const mask = maskIn(w, first, last);
      const word = this.bits[chunk * this.words + w]!;
      seen |= word & mask;
      missing |= ~word & mask;
    }
    if (missing === 0) return 'all';
    return seen === 0 ? 'none' : 'mixed';
  }

  /** Marks blocks [first, last] present; true when the chunk held none before. */
  mark(chunk: number, first: number, last: number): boolean {
    const wasEmpty = !this.any(chunk);
    for (let w = first >>> 5; w <= last >>> 5; w++) {
      const at = chunk * this.words + w;
      this.bits[at] = (this.bits[at]! | maskIn(w, first, last)) >>> 0;
    }
    return wasEmpty;
  }

  clear(chunk: number): void {
    this.bits.fill(0, chunk * this.words, (chunk + 1) * this.words);
  }

  has(chunk: number, block: number): boolean {
    return (this.bits[chunk * this.words + (block >>> 5)]! & (1 << (block & 31))) !== 0;
  }

  /** Calls `fn` for each run of neighbouring blocks in [first, last] that are all present or all absent, in order. */
  runs(chunk: number, first: number, last: number, fn: (present: boolean, first: number, last: number) => void): void {
    for (let a = first; a <= last; ) {
      const present = this.has(chunk, a);
      let b = a;
      while (b < last && this.has(chunk, b + 1) === present) b++;
      fn(present, a, b);
      a = b + 1;
    }
  }

  /** Writes the chunk's words into `out` at `at`, little-endian, as the map file holds them. */
  writeTo(chunk: number, out: Buffer, at: number): void {
    for (let w = 0; w < this.words; w++) out.writeUInt32LE(this.bits[chunk * this.words + w]!, at + 4 * w);
  }

  /** Reads the chunk's words from `from` at `at` (the map file's layout). */
  readFrom(chunk: number, from: Buffer, at: number): void {
    for (let w = 0; w < this.words; w++) this.bits[chunk * this.words + w] = from.readUInt32LE(at + 4 * w);
  }
}
