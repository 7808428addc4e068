// A generic ONC RPC server (RFC 5531): registered programs served over TCP (record marking, §11) and UDP.
//
// Either transport can be left out (port null). A port of 0 binds any free port; start() reports the ports it
// got. start() resolves once every socket is bound, or fails with an RpcServerError naming address:port and
// leaves nothing open; stop() closes listeners, connections and the datagram socket (replies of handlers still
// running are dropped).
import type { Logger } from '../log/logger.js';
import type { KernelRecordSend } from './kernel-record-send.js';
import { DEFAULT_MAX_RECORD } from './record-marking.js';
import type { RpcProgram } from './rpc-program.js';
import { buildRegistry } from './rpc-route.js';
import { RpcServerError } from './rpc-server-error.js';
import { createRpcStats } from './rpc-stats.js';
import type { RpcStats } from './rpc-stats.js';
import { createTcpTransport } from './rpc-tcp.js';
import type { TcpLimits, TcpTransport } from './rpc-tcp.js';
import { createUdpTransport, MAX_UDP_PAYLOAD } from './rpc-udp.js';
import type { UdpLimits, UdpTransport } from './rpc-udp.js';

export interface RpcServerLimits {
  /** Largest call record over TCP (default DEFAULT_MAX_RECORD: an NFS WRITE of 1 MiB and its header). */
  readonly maxRecord?: number;
  /** Open TCP connections (default 256; more are closed at once). */
  readonly maxConnections?: number;
  /** Calls handled at once per TCP connection (default 64; then the connection is not read until one finishes). */
  readonly maxInFlightPerConnection?: number;
  /**
   * Record bytes of the calls handled at once per TCP connection (default 8 MiB): a client sending 64 WRITEs of
   * 1 MiB at once has 8 handled while the rest wait in TCP's buffers, not in ours.
   */
  readonly maxInFlightBytesPerConnection?: number;
  /** A TCP connection with nothing to do for this long is closed (default 5 minutes, as Linux's nfsd). */
  readonly idleTimeoutMs?: number;
  /** Replies queued for a client that does not read before its socket is no longer read (default 4 MiB). */
  readonly maxPendingWriteBytes?: number;
  /** Largest UDP reply (default 65507, all an IPv4 datagram can carry). */
  readonly maxDatagram?: number;
  /** Calls handled at once over UDP (default 256; later datagrams are dropped until one finishes). */
  readonly maxUdpInFlight?: number;
}

export interface RpcServerOptions {
  readonly address: string;
  /** null: no TCP. */
  readonly tcpPort: number | null;
  /** null: no UDP. */
  readonly udpPort: number | null;
  readonly programs: readonly RpcProgram[];
  readonly log: Logger;
  readonly limits?: RpcServerLimits;
  /** Sends TCP replies that carry file slices from the kernel; without it handlers get no holdFile and copy. */
  readonly kernelSend?: KernelRecordSend | null;
}

export interface RpcBoundPorts {
  readonly tcp: number | null;
  readonly udp: number | null;
}

export interface RpcServer {
  start(): Promise<RpcBoundPorts>;
  stop(): Promise<void>;
  stats(): Readonly<RpcStats>;
}

export function createRpcServer(options: RpcServerOptions): RpcServer {
  const stats = createRpcStats();
  const deps = { registry: buildRegistry(options.programs), log: options.log, stats };
  const limits = options.limits ?? {};
  const tcpLimits: TcpLimits = {
    maxRecord: limits.maxRecord ?? DEFAULT_MAX_RECORD,
    maxConnections: limits.maxConnections ?? 256,
    maxInFlight: limits.maxInFlightPerConnection ?? 64,
    maxInFlightBytes: limits.maxInFlightBytesPerConnection ?? 8 * 1024 * 1024,
    idleTimeoutMs: limits.idleTimeoutMs ?? 5 * 60_000,
    maxPendingWriteBytes: limits.maxPendingWriteBytes ?? 4 * 1024 * 1024,
  };
  const udpLimits: UdpLimits = {
    maxDatagram: Math.min(limits.maxDatagram ?? MAX_UDP_PAYLOAD, MAX_UDP_PAYLOAD),
    maxInFlight: limits.maxUdpInFlight ?? 256,
  };
  let tcp: TcpTransport | null = null;
  let udp: UdpTransport | null = null;
  let started = false;

  const stop = async (): Promise<void> => {
    const closing = [tcp, udp];
    tcp = null;
    udp = null;
    started = false;
    await Promise.all(closing.map((t) => t?.stop()));
  };

  return {
    start: async () => {
      if (started) throw new RpcServerError('ALREADY_STARTED', 'RPC server already started');
      started = true;
      try {
        let tcpPort: number | null = null;
        let udpPort: number | null = null;
        if (options.tcpPort !== null) {
          tcp = createTcpTransport(deps, options.address, options.tcpPort, tcpLimits, options.kernelSend ?? null);
          tcpPort = await tcp.start();
        }
        if (options.udpPort !== null) {
          udp = createUdpTransport(deps, options.address, options.udpPort, udpLimits);
          udpPort = await udp.start();
        }
        const names = options.programs.map((p) => p.name ?? String(p.prog));
        options.log.info('rpc listening', { address: options.address, tcpPort, udpPort, programs: names });
        return { tcp: tcpPort, udp: udpPort };
      } catch (error) {
        await stop();
        throw error;
      }
    },
    stop,
    stats: () => ({ ...stats }),
  };
}
