// The iSCSI target's TCP listener (RFC 7143 §4.1, port 3260): accepts connections, keeps the session table for
// TSIHs and reinstatement, and closes everything on stop. What each connection does is connection.ts's.
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../log/logger.js';
import { BufferPool } from '../net/buffer-pool.js';
import { serveIscsiConnection, type Keepalive, type SessionRegistry } from './connection.js';
import { createIscsiStats, type IscsiStats } from './iscsi-stats.js';
import type { IscsiTargets } from './targets.js';

export const ISCSI_PORT = 3260;

export interface IscsiServerOptions {
  readonly address: string;
  readonly port: number;
  readonly targets: IscsiTargets;
  readonly log: Logger;
  readonly keepalive?: Keepalive;
  /** Where write data is gathered and read data given back; the disks' reads should come from the same pool. */
  readonly buffers?: BufferPool;
  /**
   * Duplicates a socket's descriptor (the kernel-record-send addon's dup): with it, connections are read into
   * one buffer shared by all (shared-buffer-reader.ts); without, each read gets a buffer of Node's.
   */
  readonly dup?: (fd: number) => number;
}

export interface IscsiServer {
  /** Resolves with the bound port once listening. */
  start(): Promise<number>;
  stop(): Promise<void>;
  stats(): Readonly<IscsiStats>;
  /** Sessions logged in now. */
  sessions(): number;
  /** Ends every session on this target (its disk is about to be reset or removed). */
  endSessions(targetName: string): void;
}

/** Data buffers kept between commands, for all connections and disks: a queue of 32 commands of 512 KiB each. */
export const ISCSI_IDLE_BUFFER_BYTES = 16 * 1024 * 1024;
/** The buffer connections are read into: a 256 KiB data segment and its header in one read. */
const READ_BUFFER_BYTES = 256 * 1024 + 64 * 1024;

const DEFAULT_KEEPALIVE: Keepalive = { intervalMs: 30_000, timeoutMs: 30_000 };

export function createIscsiServer(options: IscsiServerOptions): IscsiServer {
  const stats = createIscsiStats();
  const sockets = new Set<Socket>();
  const sessions = sessionRegistry();
  const buffers = options.buffers ?? new BufferPool(ISCSI_IDLE_BUFFER_BYTES);
  const readThrough = options.dup === undefined ? undefined : { dup: options.dup, shared: Buffer.allocUnsafeSlow(READ_BUFFER_BYTES) };
  let server: Server | null = null;

  const onConnection = (socket: Socket): void => {
    stats.connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
    serveIscsiConnection(socket, {
      targets: options.targets,
      sessions,
      log: options.log,
      stats,
      keepalive: options.keepalive ?? DEFAULT_KEEPALIVE,
      portalGroupTag: 1,
      buffers,
      ...(readThrough === undefined ? {} : { readThrough }),
      random: randomBytes,
    });
  };

  return {
    start: () =>
      new Promise<number>((resolve, reject) => {
        // Paused: the connection chooses how it is read, and Node must not read it meanwhile.
        const listening = createServer({ pauseOnConnect: true }, onConnection);
        listening.once('error', (error: NodeJS.ErrnoException) => {
          reject(Object.assign(new Error(`iSCSI cannot listen on ${options.address}:${options.port}: ${error.code ?? error.message}`), { code: 'ISCSI_LISTEN', cause: error }));
        });
        listening.listen(options.port, options.address, () => {
          server = listening;
          const bound = listening.address();
          resolve(typeof bound === 'object' && bound !== null ? bound.port : options.port);
        });
      }),
    async stop() {
      const closing = server;
      server = null;
      for (const socket of sockets) socket.destroy();
      if (closing !== null) await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
    stats: () => stats,
    sessions: () => sessions.count(),
    endSessions: (targetName) => sessions.endTarget(targetName),
  };
}

/** TSIHs from 1 up, skipping ones in use; one session per (initiator name, ISID, target). */
function sessionRegistry(): SessionRegistry & { count(): number; endTarget(name: string): void } {
  const byKey = new Map<string, { tsih: number; target: string | null; close: (why: string) => void; abortAll: () => void }>();
  const tsihs = new Set<number>();
  let next = 1;
  return {
    open(initiatorName, isid, target, close, abortAll) {
      const key = `${initiatorName}\0${isid.toString('hex')}\0${target ?? ''}`;
      const old = byKey.get(key);
      if (old !== undefined) {
        byKey.delete(key);
        tsihs.delete(old.tsih);
        old.close('session reinstated by a new login');
      }
      while (tsihs.has(next) || next === 0) next = (next + 1) & 0xffff;
      const tsih = next;
      next = (next + 1) & 0xffff;
      const entry = { tsih, target, close, abortAll };
      tsihs.add(tsih);
      byKey.set(key, entry);
      return {
        tsih,
        reinstated: old !== undefined,
        release() {
          if (byKey.get(key) === entry) byKey.delete(key);
          tsihs.delete(tsih);
        },
      };
    },
    has: (tsih) => tsihs.has(tsih),
    count: () => byKey.size,
    resetTarget(name, own) {
      for (const entry of byKey.values()) if (entry.target === name && entry.abortAll !== own) entry.abortAll();
    },
    endTarget(name) {
      for (const entry of [...byKey.values()]) if (entry.target === name) entry.close('target taken offline');
    },
  };
}
