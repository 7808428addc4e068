// Reusable buffers for the data servers move through sockets: NFS READ data and WRITE records (RFC 1813 over RFC
// 5531 record marking), iSCSI write data and read data (RFC 7143). No spec of its own; the reason is V8's heap.
//
// Why: V8 counts ArrayBuffer memory allocated since its last mark-compact against the old generation's limit, and
// a Buffer that dies young gives its bytes back only at the next scavenge, which a load moving much data with few
// JS objects seldom brings. So a fresh Buffer per call or command ran full mark-compacts back to back. Measured by
// hand: reusing NFS READ buffers made a 64 MiB nfs-cp read about 1.7 times as fast, and pooled WRITE records took a
// fifth off the server's CPU per 64 MiB written; for iSCSI (`--trace-gc`, 3 s runs of `iscsi-io -w -s -m 32`),
// sequential 128 KiB writes ran 30-90 mark-compacts per run before and moved about 1.5 times the data after.
//
// A buffer must come back only once nothing refers to it any more: a read's once its reply is written, a write's
// once the disk has it. Sizes go by powers of two from 4 KiB up to the pool's largest, which is a class of its own,
// so that calls of nearby sizes share buffers; a caller gets a view of the bytes it asked for, and giving back any
// view of it returns the whole.

/** Below this a Buffer comes from Node's own shared slab anyway. */
const SMALLEST_CLASS = 4096;

export class BufferPool {
  readonly #idle = new Map<number, ArrayBuffer[]>();
  readonly #mine = new WeakSet<ArrayBuffer>();
  readonly #isIdle = new WeakSet<ArrayBuffer>();
  #idleBytes = 0;

  /**
   * @param keepBytes what the pool keeps idle between uses, at most; a buffer given back beyond it is left to the GC.
   * @param largest the largest buffer it hands out; larger asks get a plain Buffer, which giving back ignores.
   */
  constructor(
    readonly keepBytes: number,
    readonly largest = 16 * 1024 * 1024,
  ) {}

  get idleBytes(): number {
    return this.#idleBytes;
  }

  /** A buffer of `bytes` (contents undefined), to be given back once nothing reads or writes it any more. */
  take(bytes: number): Buffer {
    if (bytes > this.largest) return Buffer.allocUnsafe(bytes);
    const size = this.#classOf(bytes);
    let whole = this.#idle.get(size)?.pop();
    if (whole !== undefined) {
      this.#idleBytes -= size;
      this.#isIdle.delete(whole);
    } else {
      // allocUnsafeSlow gives the buffer an ArrayBuffer of its own, so that a view names it.
      whole = Buffer.allocUnsafeSlow(size).buffer as ArrayBuffer;
      this.#mine.add(whole);
    }
    return Buffer.from(whole, 0, bytes);
  }

  /** Takes back a buffer `take` gave (any view of it); others are ignored, whoever made them. */
  give(view: Uint8Array): void {
    const whole = view.buffer as ArrayBuffer;
    if (!this.#mine.has(whole)) return;
    // Kept once however often it comes back, or two users would be handed it at once.
    if (this.#isIdle.has(whole)) return;
    const size = whole.byteLength;
    if (this.#idleBytes + size > this.keepBytes) {
      this.#mine.delete(whole);
      return;
    }
    let idle = this.#idle.get(size);
    if (idle === undefined) this.#idle.set(size, (idle = []));
    idle.push(whole);
    this.#isIdle.add(whole);
    this.#idleBytes += size;
  }

  #classOf(bytes: number): number {
    let size = SMALLEST_CLASS;
    while (size < bytes) size *= 2;
    return Math.min(size, this.largest);
  }
}
