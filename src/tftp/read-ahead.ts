// Read-ahead for one TFTP read transfer (RFC 1350 blocks, RFC 7440 windows): two chunks, one positional read each.
//
// Blocks are copied out of a loaded chunk synchronously while the next chunk loads in the background, so an ACK
// almost never waits for the disk.
import type { TftpFile } from './files.js';

/** Bytes per chunk when windows are small; a chunk always holds at least one whole window. */
const CHUNK_TARGET_BYTES = 64 * 1024;

export class ReadAheadError extends Error {
  readonly code: 'file-changed';
  constructor(message: string) {
    super(message);
    this.name = 'ReadAheadError';
    this.code = 'file-changed';
  }
}

interface Slot {
  readonly buf: Buffer;
  chunk: number;
  /** The load in progress (or the failed one, kept so that waiting for it reports the failure); null when ready. */
  loading: Promise<void> | null;
}

export interface ReadAhead {
  /** Copies block `block` (1-based) into `into` at `at` and returns its length, or -1 when it is not loaded yet. */
  copyBlock(block: number, into: Buffer, at: number): number;
  /** Makes the chunk holding `block` resident; rejects when the file cannot be read or has shrunk. */
  ensure(block: number): Promise<void>;
  /**
   * Starts loading the chunk after the one holding `keepFrom`. Nothing before `keepFrom` will be sent again,
   * so the slot it lands in (two chunks back) is free.
   */
  prefetchAfter(keepFrom: number): void;
}

export function createReadAhead(file: TftpFile, size: number, blksize: number, windowsize: number): ReadAhead {
  const chunkBlocks = Math.max(windowsize, Math.ceil(CHUNK_TARGET_BYTES / blksize));
  const chunkBytes = chunkBlocks * blksize;
  const lastChunk = Math.floor(Math.floor(size / blksize) / chunkBlocks);
  const slotBytes = Math.min(chunkBytes, size);
  // Small files need only the one slot's worth of memory.
  const slots: [Slot, Slot] = [
    { buf: Buffer.allocUnsafe(slotBytes), chunk: -1, loading: null },
    { buf: Buffer.allocUnsafe(lastChunk > 0 ? slotBytes : 0), chunk: -1, loading: null },
  ];

  const chunkOf = (block: number): number => Math.floor((block - 1) / chunkBlocks);
  const slotOf = (chunk: number): Slot => (chunk & 1 ? slots[1] : slots[0]);

  const load = (chunk: number): Promise<void> => {
    const slot = slotOf(chunk);
    if (slot.chunk === chunk) return slot.loading ?? Promise.resolve();
    const previous = slot.loading;
    slot.chunk = chunk;
    const loading = (async () => {
      // The buffer may still be the target of an earlier read; let that finish (or fail) first.
      if (previous !== null) await previous.catch(() => undefined);
      const start = chunk * chunkBytes;
      const want = Math.max(0, Math.min(chunkBytes, size - start));
      let have = 0;
      while (have < want) {
        const n = await file.read(slot.buf.subarray(have, want), start + have);
        if (n <= 0) throw new ReadAheadError(`file ended at ${start + have} of ${size} bytes`);
        have += n;
      }
    })();
    slot.loading = loading;
    loading.then(
      () => {
        if (slot.loading === loading) slot.loading = null;
      },
      () => undefined, // kept in slot.loading: the next ensure() reports it
    );
    return loading;
  };

  return {
    copyBlock: (block, into, at) => {
      const chunk = chunkOf(block);
      const slot = slotOf(chunk);
      if (slot.chunk !== chunk || slot.loading !== null) return -1;
      const from = (block - 1 - chunk * chunkBlocks) * blksize;
      const length = Math.max(0, Math.min(blksize, size - (block - 1) * blksize));
      slot.buf.copy(into, at, from, from + length);
      return length;
    },
    ensure: (block) => load(chunkOf(block)),
    prefetchAfter: (keepFrom) => {
      const next = chunkOf(keepFrom) + 1;
      // Called once per window: the common case (already loaded or loading) must not even create a promise.
      if (next > lastChunk || slotOf(next).chunk === next) return;
      load(next).catch(() => undefined);
    },
  };
}
