// Reads a TCP connection into buffers the server chooses (Node's onread), through a duplicate of its descriptor,
// rather than into a fresh 64 KiB buffer per read; no spec of its own, the reason is V8's heap (buffer-pool.ts).
//
// A fresh buffer per read (Node's way) was 64 MiB of ArrayBuffers per 64 MiB an NFS client wrote, and V8 answered
// with mark-compact collections, about a third of the server's CPU for a WRITE. A server with a buffer shared by
// all its connections has libuv read into it and call back at once, on the one thread; whoever takes the bytes
// copies out what it keeps before returning. Node offers onread only to sockets it makes, so the reader is a
// second, read-only socket on a duplicate of the accepted one's descriptor; the accepted socket still writes.
import { Socket, type SocketConstructorOpts } from 'node:net';
import { tcpSocketFd } from '../native/socket-fd.js';

export interface SharedBufferReading {
  /** The buffer most reads go into; its bytes are valid only during `onBytes`. */
  readonly shared: Buffer;
  /** Bytes read into `shared` (a view of it): copy out what is kept before returning. */
  onBytes(bytes: Buffer): void;
  /**
   * Where the next read goes instead of `shared`, when the taker knows it (the rest of a large message, read
   * straight into the buffer that will hold it); asked before every read.
   */
  target?(): Buffer | null;
  /** `bytes` were read into what `target` returned last. */
  onTarget?(bytes: number): void;
}

/**
 * A read-only socket on a duplicate of `socket`'s descriptor (made by `dup`), reading as `reading` says; null
 * where none can be had (no descriptor, out of descriptors), and the caller reads the socket as usual. The
 * caller destroys the reader when the connection closes; the accepted socket should be paused until then
 * (`pauseOnConnect`), so that Node does not read it too.
 */
export function sharedBufferReader(socket: Socket, dup: (fd: number) => number, reading: SharedBufferReading): Socket | null {
  const fd = tcpSocketFd(socket);
  if (fd === null) return null;
  let copy: number;
  try {
    copy = dup(fd);
  } catch {
    return null;
  }
  const { shared, onBytes, target, onTarget } = reading;
  const options = {
    fd: copy,
    readable: true,
    writable: false,
    allowHalfOpen: true,
    onread: {
      buffer: (): Buffer => target?.() ?? shared,
      callback: (bytes: number, into: Uint8Array): boolean => {
        if (into === shared) onBytes(shared.subarray(0, bytes));
        else onTarget?.(bytes);
        return true;
      },
    },
  };
  return new Socket(options as SocketConstructorOpts);
}
