// Sends a byte range of a file straight from the kernel to an HTTP response's socket: sendfile(2) through the
// native/send_file.c addon, so large kernels, initrds and ISOs are not copied through the process.
import { once } from 'node:events';
import { open } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { loadAddon, type AddonLoad } from '../native/load-addon.js';
import { tcpSocketFd } from '../native/socket-fd.js';

interface SendFileAddon {
  sendFile(socketFd: number, fileFd: number, offset: number, length: number, timeoutMs: number): Promise<number>;
}

export interface KernelSend {
  /** Writes the response head, then `length` bytes of `path` from `start`; resolves with the bytes sent. */
  sendRange(out: ServerResponse, path: string, start: number, length: number): Promise<number>;
}

/** A stalled client is given this long to make room in its socket before the transfer is abandoned. */
const STALL_MS = 30_000;

export function loadKernelSend(from: string = import.meta.url): { readonly send: KernelSend | null; readonly reason: string | null } {
  const loaded: AddonLoad<SendFileAddon> = loadAddon<SendFileAddon>('send_file', (m) => typeof m.sendFile === 'function', from);
  if (!loaded.ok) return { send: null, reason: loaded.reason };
  const addon = loaded.addon;
  return {
    reason: null,
    send: {
      async sendRange(out, path, start, length) {
        const socket = out.socket;
        const fd = socket === null ? null : tcpSocketFd(socket);
        if (socket === null || fd === null) throw Object.assign(new Error('response has no socket descriptor'), { code: 'NO_SOCKET_FD' });
        // The head must reach the kernel before the body does, or the client would read them out of order.
        out.flushHeaders();
        while (socket.writableLength > 0) await once(socket, 'drain');
        const file = await open(path, 'r');
        try {
          return await addon.sendFile(fd, file.fd, start, length, STALL_MS);
        } finally {
          await file.close();
        }
      },
    },
  };
}
