// Large buffers of one size, reused once given back, a bounded number kept idle: an NFS READ's data and a
// WRITE's record (RFC 1813 §3.3.6, §3.3.7 over RFC 5531 record marking).
//
// A fresh megabyte per call is memory V8 counts as external, and that much of it set off a mark-compact
// collection every few dozen calls: reusing READ buffers made a 64 MiB nfs-cp read about 1.7 times as fast, and
// pooled WRITE records took a fifth off the server's CPU per 64 MiB written. A buffer must come back only once
// nothing refers to it any more (for a READ, once its reply is written: XdrWriter.whenSent).

export interface BufferPool {
  /** The size of the buffers kept. */
  readonly size: number;
  /** A buffer of `size` bytes for any `want` up to `size` (reused when one is idle); a larger want gets its own. */
  take(want: number): Buffer;
  /** Gives back a buffer take() returned, or any view of one; others (and a second give) are ignored. */
  give(view: Uint8Array): void;
  /** Buffers waiting to be reused. */
  readonly free: number;
}

export function bufferPool(size: number, keep: number): BufferPool {
  const idle: Buffer[] = [];
  // allocUnsafeSlow gives each buffer an ArrayBuffer of its own, so a view names its buffer.
  const ours = new WeakSet<ArrayBufferLike>();
  return {
    size,
    take(want) {
      if (want > size) return Buffer.allocUnsafe(want);
      const reused = idle.pop();
      if (reused !== undefined) return reused;
      const fresh = Buffer.allocUnsafeSlow(size);
      ours.add(fresh.buffer);
      return fresh;
    },
    give(view) {
      const memory = view.buffer;
      if (!ours.has(memory) || idle.length >= keep || idle.some((b) => b.buffer === memory)) return;
      idle.push(Buffer.from(memory, 0, size));
    },
    get free() {
      return idle.length;
    },
  };
}
