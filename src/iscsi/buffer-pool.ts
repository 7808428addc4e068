// Reusable buffers for the data of SCSI commands (write data gathered from Data-Out PDUs, the pieces a
// copy-on-write disk fills); no spec, the reason is V8's heap.
//
// Why: V8 counts ArrayBuffer memory allocated since its last mark-compact against the old generation's limit, and
// a Buffer that dies young gives its bytes back only at the next scavenge, which a load moving much data with few
// JS objects seldom brings. So a fresh Buffer per command made write-heavy loads run full mark-compacts back to
// back: by hand (`--trace-gc`, 3 s runs of `iscsi-io -w -s -m 32`), sequential 128 KiB writes ran 60-90 of them
// per run, and a run with none moved about twice the data.
//
// Sizes go by powers of two, so that commands of nearby sizes share buffers; what a caller gets is a view of the
// first `bytes`, and giving it back returns its whole ArrayBuffer.

/** Below this a Buffer comes from Node's own shared slab anyway. */
const MIN_CLASS = 4096;

export class BufferPool {
  readonly #idle = new Map<number, ArrayBuffer[]>();
  readonly #mine = new WeakSet<ArrayBuffer>();
  readonly #isIdle = new WeakSet<ArrayBuffer>();
  #idleBytes = 0;

  /**
   * @param maxIdleBytes what the pool keeps between uses, at most; a buffer given back beyond it is left to the GC.
   * @param maxClass the largest buffer it hands out; larger asks get a plain Buffer (and giving it back is a no-op).
   */
  constructor(
    readonly maxIdleBytes: number,
    readonly maxClass = 16 * 1024 * 1024,
  ) {}

  get idleBytes(): number {
    return this.#idleBytes;
  }

  /** A buffer of `bytes` (contents undefined), to be given back once nothing reads or writes it any more. */
  take(bytes: number): Buffer {
    const size = classOf(bytes);
    if (size > this.maxClass) return Buffer.allocUnsafe(bytes);
    const idle = this.#idle.get(size);
    let whole = idle?.pop();
    if (whole !== undefined) {
      this.#idleBytes -= size;
      this.#isIdle.delete(whole);
    } else {
      whole = Buffer.allocUnsafeSlow(size).buffer as ArrayBuffer;
      this.#mine.add(whole);
    }
    return Buffer.from(whole, 0, bytes);
  }

  /** Takes back a buffer `take` gave (any view of it); others are ignored, so a caller need not know where its came from. */
  give(buffer: Buffer): void {
    const whole = buffer.buffer as ArrayBuffer;
    if (!this.#mine.has(whole)) return;
    // Kept once however often it comes back, or two users would be handed it at once.
    if (this.#isIdle.has(whole)) return;
    const size = whole.byteLength;
    if (this.#idleBytes + size > this.maxIdleBytes) {
      this.#mine.delete(whole);
      return;
    }
    let idle = this.#idle.get(size);
    if (idle === undefined) this.#idle.set(size, (idle = []));
    idle.push(whole);
    this.#isIdle.add(whole);
    this.#idleBytes += size;
  }
}

function classOf(bytes: number): number {
  let size = MIN_CLASS;
  while (size < bytes) size *= 2;
  return size;
}
