// Reading a byte range of an open file and the space of a folder's file system, for the views (RFC 1813 READ, FSSTAT).
import type { FileHandle } from 'node:fs/promises';
import { statfs } from 'node:fs/promises';
import type { FileRange, FsStats } from './view.js';

/** Up to `count` bytes at `offset` of a file of `size` bytes, into `into` when it is large enough; eof when the range reaches the end. */
export async function readRange(fh: FileHandle, size: bigint, offset: bigint, count: number, into?: Buffer): Promise<{ data: Buffer; eof: boolean }> {
  if (offset >= size) return { data: Buffer.alloc(0), eof: true };
  const want = Number(size - offset < BigInt(count) ? size - offset : BigInt(count));
  const data = into !== undefined && into.length >= want ? into.subarray(0, want) : Buffer.allocUnsafe(want);
  let have = 0;
  while (have < want) {
    const { bytesRead } = await fh.read(data, have, want - have, Number(offset) + have);
    if (bytesRead === 0) break;
    have += bytesRead;
  }
  return { data: data.subarray(0, have), eof: offset + BigInt(have) >= size };
}

/** The part of `count` bytes at `offset` that a file of `size` bytes holds. */
export function rangeIn(file: FileHandle, size: bigint, offset: bigint, count: number): FileRange {
  const length = offset >= size ? 0 : Number(size - offset < BigInt(count) ? size - offset : BigInt(count));
  return { file, offset: Number(offset), length, eof: offset + BigInt(length) >= size };
}

/** A read-only export reports no space available to the client. */
export async function folderSpace(folder: string, writable: boolean): Promise<FsStats> {
  const fs = await statfs(folder, { bigint: true });
  return {
    totalBytes: fs.blocks * fs.bsize,
    freeBytes: fs.bfree * fs.bsize,
    availBytes: writable ? fs.bavail * fs.bsize : 0n,
    totalFiles: fs.files,
    freeFiles: fs.ffree,
    availFiles: writable ? fs.ffree : 0n,
  };
}
