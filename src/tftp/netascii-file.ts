// A netascii view of a TftpFile (RFC 1350 §5, RFC 764): LF -> CR LF, CR -> CR NUL, read by position.
//
// Converted byte by byte as tftpd-hpa does, so that a converted position is found from a sparse index of
// checkpoints without buffering the whole file.
import type { TftpFile } from './files.js';

const CR = 0x0d;
const LF = 0x0a;
const SCAN_BYTES = 64 * 1024;

/** Reads the file once to learn its converted size (tsize needs it) and where each 64 KiB lands. */
export async function netasciiFile(raw: TftpFile): Promise<TftpFile> {
  const rawOffsets: number[] = [0];
  const converted: number[] = [0];
  const scratch = Buffer.allocUnsafe(Math.min(SCAN_BYTES, raw.size));
  let rawAt = 0;
  let convAt = 0;
  while (rawAt < raw.size) {
    const n = await raw.read(scratch.subarray(0, Math.min(SCAN_BYTES, raw.size - rawAt)), rawAt);
    if (n <= 0) break;
    for (let i = 0; i < n; i++) {
      const b = scratch[i];
      convAt += b === CR || b === LF ? 2 : 1;
    }
    rawAt += n;
    rawOffsets.push(rawAt);
    converted.push(convAt);
  }
  const rawSize = rawAt;
  const size = convAt;

  return {
    size,
    read: async (into, position) => {
      if (position >= size || into.length === 0) return 0;
      const mark = lastAtOrBefore(converted, position);
      let rawPos = rawOffsets[mark]!;
      let conv = converted[mark]!;
      // Each call has its own buffer: the read-ahead may have two reads in flight.
      const buf = Buffer.allocUnsafe(Math.min(SCAN_BYTES, rawSize - rawPos));
      let out = 0;
      while (out < into.length && rawPos < rawSize) {
        const n = await raw.read(buf.subarray(0, Math.min(buf.length, rawSize - rawPos)), rawPos);
        if (n <= 0) break;
        for (let i = 0; i < n && out < into.length; i++) {
          const b = buf[i]!;
          const first = b === LF ? CR : b;
          const second = b === LF ? LF : b === CR ? 0 : -1;
          if (conv >= position) into[out++] = first;
          conv++;
          if (second >= 0) {
            if (conv >= position && out < into.length) into[out++] = second;
            conv++;
          }
        }
        rawPos += n;
      }
      return out;
    },
    close: () => raw.close(),
  };
}

function lastAtOrBefore(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (sorted[mid]! <= value) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
