// A UDP socket on 127.0.0.1 that plays a DHCP client or relay against a server under test, collecting replies.
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { decodeDhcp } from '../../../src/dhcp/codec.js';
import type { DhcpMessage } from '../../../src/dhcp/message.js';

export interface UdpClient {
  readonly port: number;
  send(data: Uint8Array, port: number): Promise<void>;
  /** The next reply with this xid (already received or to come); rejects after timeoutMs. */
  reply(xid: number, timeoutMs?: number): Promise<DhcpMessage>;
  /** Every datagram received so far. */
  received(): readonly Buffer[];
  close(): Promise<void>;
}

export async function openUdpClient(): Promise<UdpClient> {
  const socket: Socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const datagrams: Buffer[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (data) => {
    datagrams.push(data);
    for (const waiter of [...waiters]) waiter();
  });
  const consumed = new Set<number>();
  return {
    port: socket.address().port,
    send: (data, port) => new Promise((resolve, reject) => socket.send(data, port, '127.0.0.1', (error) => (error ? reject(error) : resolve()))),
    reply: (xid, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const look = (): boolean => {
          for (let i = 0; i < datagrams.length; i++) {
            if (consumed.has(i)) continue;
            const decoded = decodeDhcp(datagrams[i]!);
            if (decoded.ok && decoded.message.op === 2 && decoded.message.xid === xid) {
              consumed.add(i);
              resolve(decoded.message);
              return true;
            }
          }
          return false;
        };
        if (look()) return;
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no reply with xid ${xid.toString(16)} within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter = (): void => {
          if (look()) {
            clearTimeout(timer);
            waiters.delete(waiter);
          }
        };
        waiters.add(waiter);
      }),
    received: () => datagrams,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
