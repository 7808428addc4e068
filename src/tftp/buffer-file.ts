// An in-memory TftpFile (RFC 1350 read source) for files generated per client, such as boot scripts.
import type { TftpFile } from './files.js';

export function bufferFile(data: Uint8Array): TftpFile {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return {
    size: bytes.length,
    bytes,
    read: (into, position) => {
      if (position >= bytes.length || position < 0) return Promise.resolve(0);
      return Promise.resolve(bytes.copy(into, 0, position, Math.min(bytes.length, position + into.length)));
    },
    close: () => Promise.resolve(),
  };
}
