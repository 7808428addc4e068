// A scripted TFTP peer for server tests (RFC 1350): exact packets from its own port, replies awaited one by one.
//
// Lets tests play firmware habits byte by byte: EDK2 probes, Pi early terminate, duplicate ACKs, strangers.
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { decodeTftp } from '../../src/tftp/codec.js';
import type { TftpPacket } from '../../src/tftp/codec.js';

export interface Received {
  readonly packet: TftpPacket;
  readonly bytes: Buffer;
  readonly from: RemoteInfo;
}

export interface RawClient {
  readonly port: number;
  send(bytes: Uint8Array, port: number): void;
  /** The next packet, or null when none comes within `timeoutMs`. */
  next(timeoutMs?: number): Promise<Received | null>;
  close(): void;
}

export async function rawClient(address = '127.0.0.1'): Promise<RawClient> {
  const socket: Socket = createSocket('udp4');
  const queue: Received[] = [];
  let waiter: ((r: Received | null) => void) | null = null;
  socket.on('message', (bytes, from) => {
    const decoded = decodeTftp(bytes);
    if (!decoded.ok) throw new Error(`server sent a malformed packet: ${decoded.code}`);
    const received = { packet: decoded.packet, bytes, from };
    if (waiter !== null) {
      const w = waiter;
      waiter = null;
      w(received);
    } else queue.push(received);
  });
  await new Promise<void>((resolve) => socket.bind({ address, port: 0 }, () => resolve()));
  let closed = false;
  return {
    port: socket.address().port,
    send: (bytes, port) => socket.send(bytes, port, address),
    next: (timeoutMs = 3000) => {
      const queued = queue.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiter = null;
          resolve(null);
        }, timeoutMs);
        waiter = (r) => {
          clearTimeout(timer);
          resolve(r);
        };
      });
    },
    close: () => {
      if (closed) return;
      closed = true;
      socket.close();
    },
  };
}
