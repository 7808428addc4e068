// A Disk on a raw image file: block n at byte n * blockSize (SBC-3 §4.4 over a plain file).
import { open } from 'node:fs/promises';
import type { Disk } from './disk.js';
import { readInto } from './file-read.js';

export const BLOCK_SIZE = 512;

export async function openRawDisk(path: string, options: { readonly readOnly?: boolean } = {}): Promise<Disk> {
  const readOnly = options.readOnly === true;
  const fh = await open(path, readOnly ? 'r' : 'r+');
  const size = (await fh.stat()).size;
  const blocks = BigInt(Math.floor(size / BLOCK_SIZE));
  return {
    blockSize: BLOCK_SIZE,
    blocks,
    readOnly,
    thin: false,
    async read(lba, count) {
      const out = Buffer.allocUnsafe(count * BLOCK_SIZE);
      // Past the file's end (it shrank under us): the rest reads as zeros rather than stale memory.
      await readInto(fh, out, Number(lba) * BLOCK_SIZE);
      return out;
    },
    async write(lba, data, fua) {
      let done = 0;
      while (done < data.length) {
        const { bytesWritten } = await fh.write(data, done, data.length - done, Number(lba) * BLOCK_SIZE + done);
        done += bytesWritten;
      }
      if (fua) await fh.datasync();
    },
    flush: () => fh.datasync(),
    async unmap() {
      throw new Error('raw disks are fully provisioned: UNMAP is not offered');
    },
    close: () => fh.close(),
  };
}
