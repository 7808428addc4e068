// Sequential NFS READs read one step ahead (RFC 1813 §3.3.6): a client copying a file asks for it range after
// range, each only once the last has arrived, so the next range is read from the file while this reply travels.
//
// A range read ahead is used only by a READ of exactly that file, offset and count, and only while the view's
// epoch (View.epoch) has not moved since it was read: any change to the export since then discards it. Buffers
// come from the READ pool; one not asked for within AHEAD_KEPT_MS goes back to it.
import type { BufferPool } from '../../net/buffer-pool.js';
import type { View, ViewResult } from '../view/view.js';

type Read = ViewResult<{ readonly data: Buffer; readonly eof: boolean }>;

interface Ahead {
  readonly offset: number;
  readonly count: number;
  readonly epoch: number;
  readonly buffer: Buffer;
  readonly read: Promise<Read>;
  readonly expiry: NodeJS.Timeout;
}

/** Ranges being read ahead at once, over all files: each holds a buffer the size of its READ. */
const AHEAD_MAX = 4;
const AHEAD_KEPT_MS = 2000;

export interface ReadAhead {
  /** The range read ahead for this READ, if any and still good; its buffer is then the caller's to give back. */
  take(view: View, id: bigint, offset: number, count: number): { readonly buffer: Buffer; readonly read: Promise<Read> } | undefined;
  /** Starts reading the range after a READ that did not reach the end. */
  start(view: View, id: bigint, offset: number, count: number): void;
}

export function readAhead(pool: BufferPool): ReadAhead {
  const pending = new WeakMap<View, Map<bigint, Ahead>>();
  let running = 0;

  const drop = (files: Map<bigint, Ahead>, id: bigint, ahead: Ahead): void => {
    if (files.get(id) !== ahead) return;
    files.delete(id);
    clearTimeout(ahead.expiry);
    running--;
  };
  const discard = (files: Map<bigint, Ahead>, id: bigint, ahead: Ahead): void => {
    drop(files, id, ahead);
    // The read may still be filling the buffer: it goes back once done.
    void ahead.read.finally(() => pool.give(ahead.buffer));
  };

  return {
    take(view, id, offset, count) {
      const files = pending.get(view);
      const ahead = files?.get(id);
      if (files === undefined || ahead === undefined) return undefined;
      if (ahead.offset !== offset || ahead.count !== count || ahead.epoch !== view.epoch?.()) {
        discard(files, id, ahead);
        return undefined;
      }
      drop(files, id, ahead);
      return { buffer: ahead.buffer, read: ahead.read };
    },
    start(view, id, offset, count) {
      const epoch = view.epoch?.();
      if (epoch === undefined || running >= AHEAD_MAX || count > pool.largest) return;
      const files = pending.get(view) ?? new Map<bigint, Ahead>();
      pending.set(view, files);
      const old = files.get(id);
      if (old !== undefined) discard(files, id, old);
      const buffer = pool.take(count);
      const read = view.read(id, BigInt(offset), count, buffer).catch((): Read => ({ ok: false, error: 'IO' }));
      const ahead: Ahead = {
        offset,
        count,
        epoch,
        buffer,
        read,
        expiry: setTimeout(() => discard(files, id, ahead), AHEAD_KEPT_MS).unref(),
      };
      files.set(id, ahead);
      running++;
    },
  };
}
