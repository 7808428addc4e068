// ONC RPC over UDP (RFC 5531 §11 does not frame datagrams): one datagram is one call, its reply one datagram.
//
// A reply that would not fit in a datagram is answered with SYSTEM_ERR (see rpc-dispatch.ts); programs with large
// results read ctx.maxReplyBytes and size them to it, as NFS over UDP does with its smaller rsize. Past
// `maxInFlight` calls being handled, datagrams are dropped: UDP clients retransmit.
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { closeUdpSocket } from '../net/close-udp-socket.js';
import { dispatchMessage } from './rpc-dispatch.js';
import type { DispatchDeps, DispatchReply } from './rpc-dispatch.js';
import { bindError } from './rpc-server-error.js';

export interface UdpLimits {
  /** Largest reply datagram, RPC header included. */
  readonly maxDatagram: number;
  readonly maxInFlight: number;
}

export interface UdpTransport {
  start(): Promise<number>;
  stop(): Promise<void>;
}

/** The largest UDP payload over IPv4: 65535 less the IP and UDP headers. */
export const MAX_UDP_PAYLOAD = 65_507;

export function createUdpTransport(deps: DispatchDeps, address: string, port: number, limits: UdpLimits): UdpTransport {
  let socket: Socket | null = null;
  let inFlight = 0;
  let local = { address, port };

  const onMessage = (message: Buffer, rinfo: RemoteInfo): void => {
    if (inFlight >= limits.maxInFlight) {
      deps.stats.udpBusy++;
      return;
    }
    const bound = socket;
    const client = { address: rinfo.address, port: rinfo.port, transport: 'udp' as const };
    inFlight++;
    // A throw from dispatch (our bug) becomes a rejection like any other: logged below, the socket goes on.
    new Promise<DispatchReply | null>((resolve) => resolve(dispatchMessage(deps, message, { client, local, maxReplyBytes: limits.maxDatagram })))
      .then((reply) => {
        if (reply === null) return;
        if (bound === null || socket !== bound) return reply.sent();
        bound.send(reply.chunks, rinfo.port, rinfo.address, (error) => {
          reply.sent();
          if (error) deps.log.debug('rpc udp reply not sent', { client: `${rinfo.address}:${rinfo.port}`, error });
        });
      })
      .catch((error: unknown) => deps.log.error('rpc udp dispatch failed', { client: `${rinfo.address}:${rinfo.port}`, error }))
      .finally(() => {
        inFlight--;
      });
  };

  return {
    start: async () => {
      const bound = createSocket({ type: 'udp4' });
      await new Promise<void>((resolve, reject) => {
        const onError = (error: NodeJS.ErrnoException): void => {
          void closeUdpSocket(bound);
          reject(bindError('RPC over UDP', address, port, error));
        };
        bound.once('error', onError);
        bound.bind({ address, port, exclusive: true }, () => {
          bound.off('error', onError);
          resolve();
        });
      });
      bound.on('message', onMessage);
      bound.on('error', (error) => deps.log.error('rpc udp socket error', { error }));
      socket = bound;
      local = { address, port: bound.address().port };
      return local.port;
    },
    stop: async () => {
      const closing = socket;
      socket = null;
      if (closing !== null) await closeUdpSocket(closing);
    },
  };
}
