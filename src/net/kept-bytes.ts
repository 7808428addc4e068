// Small byte strings kept for long (NFS file handles, encoded fattr3), packed into slabs of their own. No spec of
// its own; the reason is memory.
//
// Why: a Buffer with memory of its own costs an ArrayBuffer and a backing store besides its bytes, about 250 bytes
// of heap and malloc each (heap snapshot after listing 20,000 files: two such Buffers per file). A view of Node's
// shared 8 KiB slab costs none of that, but keeps the whole slab alive, and that slab also holds whatever short-
// lived bytes were cut from it. Here the slabs hold nothing but kept bytes, so a kept view pins only other kept
// bytes. A slab is freed once no view of it is left; bytes dropped from a cache meanwhile are not reused.

const SLAB_BYTES = 64 * 1024;
/** Larger strings get memory of their own: a slab should hold many. */
const LARGEST = 1024;

export class KeptBytes {
  #slab: Buffer | null = null;
  #used = 0;

  /** `length` bytes to be kept for long, not zeroed: the caller writes every one of them. */
  take(length: number): Buffer {
    if (length > LARGEST) return Buffer.allocUnsafeSlow(length);
    if (this.#slab === null || this.#used + length > SLAB_BYTES) {
      this.#slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.#used = 0;
    }
    const out = this.#slab.subarray(this.#used, this.#used + length);
    this.#used += length;
    return out;
  }

  /** A kept copy of `bytes`. */
  copyOf(bytes: Uint8Array): Buffer {
    const out = this.take(bytes.length);
    out.set(bytes);
    return out;
  }
}
