// A Disk on a raw image file: block n at byte n * blockSize (SBC-3 §4.4 over a plain file).
import { open } from 'node:fs/promises';
import { BufferPool } from '../net/buffer-pool.js';
import type { Disk } from './disk.js';
import { createDiskWriter, readInto } from './disk-io.js';

export const BLOCK_SIZE = 512;

/** `buffers`: where read data is put (the reader may give it back there once sent); none: a new Buffer per read. */
export async function openRawDisk(path: string, options: { readonly readOnly?: boolean; readonly buffers?: BufferPool } = {}): Promise<Disk> {
  const readOnly = options.readOnly === true;
  const buffers = options.buffers ?? new BufferPool(0);
  const fh = await open(path, readOnly ? 'r' : 'r+');
  const writer = createDiskWriter();
  const size = (await fh.stat()).size;
  const blocks = BigInt(Math.floor(size / BLOCK_SIZE));
  return {
    blockSize: BLOCK_SIZE,
    blocks,
    readOnly,
    thin: false,
    async read(lba, count) {
      const out = buffers.take(count * BLOCK_SIZE);
      // Past the file's end (it shrank under us): the rest reads as zeros rather than stale memory.
      await readInto(fh, out, Number(lba) * BLOCK_SIZE);
      return out;
    },
    async write(lba, data, fua) {
      await writer.write(fh, data, Number(lba) * BLOCK_SIZE);
      if (fua) await fh.datasync();
    },
    flush: () => fh.datasync(),
    async unmap() {
      throw new Error('raw disks are fully provisioned: UNMAP is not offered');
    },
    async close() {
      await writer.close();
      await fh.close();
    },
  };
}
