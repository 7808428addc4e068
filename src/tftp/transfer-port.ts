// A TFTP transfer's own port (RFC 1350 §4 TIDs): a twin for strangers, and a socket connected to the client.
//
// Why two: a connected UDP socket sends without a per-packet address lookup and lets the kernel filter the
// client's packets, which saves about a fifth of the CPU per block; but it no longer hears strangers. Linux
// hands a datagram to the socket whose binding matches it best, so the connected one gets the client's packets
// and the unconnected twin (same port, both SO_REUSEADDR) gets the rest. The connected socket is made last,
// by whichever data pump runs the transfer (Node's below, or the native one's own): the client sends nothing
// to this port before the first packet from it, so nothing is missed in between.
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import type { TftpClient } from './files.js';
import { closeUdpSocket } from '../net/close-udp-socket.js';

export interface TransferPort {
  readonly port: number;
  /** Same port, unconnected: receives packets from unknown TIDs, and sends refusals before a peer exists. */
  readonly stray: Socket;
  /** Binds a Node socket to this port connected to the client; closed with the port. */
  connectPeer(): Promise<Socket>;
  close(): void;
}

export class TransferPortError extends Error {
  readonly code: 'TRANSFER_PORT_FAILED';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransferPortError';
    this.code = 'TRANSFER_PORT_FAILED';
  }
}

const ATTEMPTS = 8;

/**
 * `inUse` holds the ports of this server's live transfers. A port is first taken without SO_REUSEADDR, so the
 * kernel picks one nobody holds; our own sockets reuse it only after that, and `inUse` keeps two of our
 * transfers from racing onto the same one in between.
 */
export async function openTransferPort(address: string, client: TftpClient, inUse: Set<number>): Promise<TransferPort> {
  let lastError: unknown;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const probe = await bound(createSocket({ type: 'udp4' }), address, 0);
    const port = probe.address().port;
    await closeUdpSocket(probe);
    if (inUse.has(port)) continue;
    inUse.add(port);
    let stray: Socket | null = null;
    try {
      stray = await bound(createSocket({ type: 'udp4', reuseAddr: true }), address, port);
    } catch (error) {
      // Someone else took the port between the probe and our bind: try another.
      lastError = error;
      inUse.delete(port);
      continue;
    }
    const sockets: Socket[] = [stray];
    let closed = false;
    return {
      port,
      stray,
      connectPeer: async () => {
        const peer = await bound(createSocket({ type: 'udp4', reuseAddr: true }), address, port);
        sockets.push(peer);
        if (closed) {
          await closeUdpSocket(peer);
          throw new TransferPortError(`transfer port ${address}:${port} closed`);
        }
        await connected(peer, client);
        return peer;
      },
      close: () => {
        if (closed) return;
        closed = true;
        for (const socket of sockets) {
          try {
            socket.close();
          } catch {
            // already closed
          }
        }
        inUse.delete(port);
      },
    };
  }
  throw new TransferPortError(`no transfer port on ${address} after ${ATTEMPTS} attempts`, { cause: lastError });
}

function bound(socket: Socket, address: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      socket.close();
      reject(error);
    };
    socket.once('error', onError);
    socket.bind({ address, port }, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

function connected(socket: Socket, client: TftpClient): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.connect(client.port, client.address, (error?: Error) => (error ? reject(error) : resolve()));
  });
}

