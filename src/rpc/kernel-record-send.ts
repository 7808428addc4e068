// Sends one RPC record over TCP (RFC 5531 §11) whose middle is a range of a file, straight from the kernel:
// sendfile(2) through native/send_file.c, so an NFS READ's megabyte is neither read into the process nor copied
// out of it again. A range all in the page cache goes out on the event loop as far as the socket takes it; the
// rest, and ranges that may need the disk, from libuv's thread pool. Small replies can skip Node's stream too.
import { closeSync } from 'node:fs';
import type { Socket } from 'node:net';
import { loadAddon } from '../native/load-addon.js';
import { tcpSocketFd } from '../native/socket-fd.js';
import type { FileSlice } from './xdr-writer.js';

interface SendFileAddon {
  sendRecord(socketFd: number, head: Buffer, fileFd: number, offset: number, length: number, tail: Buffer, timeoutMs: number): Promise<number>;
  /** Bytes sent without waiting (all, or fewer where the socket filled); -1 and none sent when not all cached. */
  sendRecordNow(socketFd: number, head: Buffer, fileFd: number, offset: number, length: number, tail: Buffer): number;
  sendNow(socketFd: number, bytes: Uint8Array): number;
  dup(fd: number): number;
  shutdown(fd: number): void;
}

/** One record on its way: done settles once it is all with the kernel, or the send failed. */
export interface RecordSending {
  readonly done: Promise<void>;
  /**
   * How much went out on the event loop: the whole record, part of it (the socket filled; the thread pool sends
   * the rest), or none (the range may need the disk, or the kernel cannot tell).
   */
  readonly onLoop: 'whole' | 'part' | 'none';
  /** Makes a send waiting on a client that does not read give up now (the connection is being closed). */
  abort(): void;
}

export interface KernelRecordSend {
  /** A descriptor of the same open file as `fd`, valid until closed whatever becomes of `fd` (RpcCallContext.holdFile). */
  hold(fd: number): number;
  /**
   * Sends `head`, the file's range, then `tail` on the socket. Nothing else may be written to the socket until
   * done settles, and nothing may be queued in it when this is called. A failure leaves the stream cut mid-record.
   */
  send(socket: Socket, head: Buffer, file: FileSlice, tail: Buffer): RecordSending;
  /**
   * Writes `bytes` to the socket now, without Node's stream machinery: how many the kernel took (all, fewer, 0
   * when the socket is full), or -1 when it failed or has no descriptor. Only while Node holds nothing queued
   * for the socket; the caller writes what is left through Node.
   */
  sendNow(socket: Socket, bytes: Uint8Array): number;
}

/** A client that makes no room in its socket for this long is given up on (as the HTTP server does). */
const STALL_MS = 30_000;

export function loadKernelRecordSend(from: string = import.meta.url): { readonly send: KernelRecordSend | null; readonly reason: string | null } {
  const loaded = loadAddon<SendFileAddon>(
    'send_file',
    (m) => typeof m.sendRecord === 'function' && typeof m.sendRecordNow === 'function' && typeof m.sendNow === 'function' && typeof m.dup === 'function' && typeof m.shutdown === 'function',
    from,
  );
  if (!loaded.ok) return { send: null, reason: loaded.reason };
  const addon = loaded.addon;
  return {
    reason: null,
    send: {
      hold: (fd) => addon.dup(fd),
      sendNow(socket, bytes) {
        const fd = tcpSocketFd(socket);
        return fd === null ? -1 : addon.sendNow(fd, bytes);
      },
      send(socket, head, file, tail) {
        const fd = tcpSocketFd(socket);
        if (fd === null) {
          return { done: Promise.reject(Object.assign(new Error('socket has no descriptor'), { code: 'NO_SOCKET_FD' })), onLoop: 'none', abort: () => {} };
        }
        let sentNow: number;
        try {
          sentNow = addon.sendRecordNow(fd, head, file.fd, file.offset, file.length, tail);
        } catch (error) {
          const sent = (error as { sent?: number }).sent ?? 0;
          return { done: Promise.reject(error), onLoop: sent > 0 ? 'part' : 'none', abort: () => {} };
        }
        if (sentNow === head.length + file.length + tail.length) return { done: Promise.resolve(), onLoop: 'whole', abort: () => {} };
        const rest = recordAfter(Math.max(0, sentNow), head, file, tail);
        // The job sends on a duplicate, closed once it settles: should Node close the socket meanwhile, its number
        // cannot go to another connection under us.
        const own = addon.dup(fd);
        let settled = false;
        const settle = (): void => {
          settled = true;
          closeSync(own);
        };
        let sending: Promise<number>;
        try {
          sending = addon.sendRecord(own, rest.head, rest.file.fd, rest.file.offset, rest.file.length, rest.tail, STALL_MS);
        } catch (error) {
          settle();
          throw error;
        }
        const done = sending.then(settle, (error: unknown) => {
          settle();
          throw error;
        });
        return {
          done,
          onLoop: sentNow > 0 ? 'part' : 'none',
          abort: () => {
            if (!settled) addon.shutdown(own);
          },
        };
      },
    },
  };
}

/** What is left of a record of head, the file's range and tail once its first `sent` bytes are with the kernel. */
export function recordAfter(sent: number, head: Buffer, file: FileSlice, tail: Buffer): { head: Buffer; file: FileSlice; tail: Buffer } {
  if (sent < head.length) return { head: head.subarray(sent), file, tail };
  const intoFile = Math.min(sent - head.length, file.length);
  return {
    head: head.subarray(head.length),
    file: { fd: file.fd, offset: file.offset + intoFile, length: file.length - intoFile },
    tail: tail.subarray(Math.min(tail.length, sent - head.length - intoFile)),
  };
}
