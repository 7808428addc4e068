// Read-only TFTP server (RFC 1350, options per RFC 2347/2348/2349/7440): owns the request socket and the sessions.
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import type { Logger, LogLevel } from '../log/logger.js';
import { decodeTftp, encodeTftp, TftpErrorCode } from './codec.js';
import type { TftpRequest } from './codec.js';
import { filenameText } from './filename.js';
import type { TftpClient, TftpFiles } from './files.js';
import { DEFAULT_MAX_WINDOW_BYTES, DEFAULT_MAX_WINDOWSIZE, MAX_BLKSIZE } from './options.js';
import type { NativePumps } from './native-pump.js';
import { ReadSession } from './session.js';
import type { SessionResult } from './session.js';

export interface TftpTransferEvent {
  readonly client: TftpClient;
  readonly path: string;
  readonly outcome: 'complete' | 'aborted-after-oack' | 'aborted' | 'timeout' | 'not-found' | 'access-denied' | 'error';
  readonly bytes: number;
  readonly ms: number;
  readonly blksize: number;
  readonly windowsize: number;
}

export interface TftpServerOptions {
  readonly address: string;
  readonly port: number;
  readonly files: TftpFiles;
  readonly log: Logger;
  /** Largest blksize granted (default 65464: clients pick a size that suits their MTU themselves). */
  readonly maxBlksize?: number;
  /** Largest windowsize granted (default 64); big blocks get smaller windows still, see options.ts. */
  readonly maxWindowsize?: number;
  /** First retransmission delay (default 1000 ms); doubles per retry up to 8 s. */
  readonly timeoutMs?: number;
  /** Retransmissions without progress before a transfer is given up (default 5). */
  readonly retries?: number;
  readonly onTransfer?: (event: TftpTransferEvent) => void;
  /** The native data pump (loadNativePumps in native-pump.ts); without it every transfer runs on Node's sockets. */
  readonly nativePumps?: NativePumps | null;
}

export interface TftpServer {
  start(): Promise<{ readonly port: number }>;
  stop(): Promise<void>;
  stats(): { readonly requests: number; readonly malformed: number; readonly active: number; readonly completed: number };
}

export class TftpServerError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TftpServerError';
    this.code = code;
  }
}

/** Each transfer holds a socket and a file descriptor; past this many, requests are turned away. */
const MAX_ACTIVE = 512;
const MAX_TIMEOUT_MS = 8000;

const writeRefused = encodeTftp({ kind: 'error', code: TftpErrorCode.accessViolation, message: 'Read-only server' });
const busy = encodeTftp({ kind: 'error', code: TftpErrorCode.notDefined, message: 'Server busy, try again' });

export function createTftpServer(options: TftpServerOptions): TftpServer {
  const log = options.log;
  const sessions = new Set<ReadSession>();
  // Newest session per client address and port, to tell a retransmitted RRQ from a new one.
  const byClient = new Map<string, ReadSession>();
  const counts = { requests: 0, malformed: 0, completed: 0 };
  let socket: Socket | null = null;

  const settings = {
    address: options.address,
    files: options.files,
    limits: {
      maxBlksize: options.maxBlksize ?? MAX_BLKSIZE,
      maxWindowsize: options.maxWindowsize ?? DEFAULT_MAX_WINDOWSIZE,
      maxWindowBytes: DEFAULT_MAX_WINDOW_BYTES,
    },
    timeoutMs: options.timeoutMs ?? 1000,
    retries: options.retries ?? 5,
    maxTimeoutMs: MAX_TIMEOUT_MS,
    log,
    ports: new Set<number>(),
    nativePumps: options.nativePumps ?? null,
    onMalformed: () => {
      counts.malformed++;
    },
  };

  const report = (client: TftpClient, result: SessionResult): void => {
    if (result.outcome === 'complete') counts.completed++;
    const fields = {
      path: result.path,
      client: `${client.address}:${client.port}`,
      bytes: result.bytes,
      ms: result.ms,
      blksize: result.blksize,
      windowsize: result.windowsize,
      outcome: result.outcome,
      ...(result.detail === undefined ? {} : { detail: result.detail }),
      // Only what happened: a clean transfer's line stays short.
      ...Object.fromEntries(Object.entries(result.counts ?? {}).filter(([, n]) => n > 0)),
    };
    log[levelFor(result.outcome)]('tftp transfer', fields);
    try {
      options.onTransfer?.({
        client,
        path: result.path,
        outcome: result.outcome,
        bytes: result.bytes,
        ms: result.ms,
        blksize: result.blksize,
        windowsize: result.windowsize,
      });
    } catch (error) {
      log.error('tftp onTransfer handler threw', { error });
    }
  };

  const onRead = (request: TftpRequest, msg: Buffer, client: TftpClient): void => {
    const key = `${client.address}:${client.port}`;
    const previous = byClient.get(key);
    if (previous !== undefined && !previous.ended && !previous.heard && previous.request.equals(msg)) {
      // The client repeats its RRQ because our first packet is late or lost; the session's timer resends it.
      log.debug('tftp retransmitted request ignored', { client: key });
      return;
    }
    if (sessions.size >= MAX_ACTIVE) {
      log.warn('tftp request refused: too many transfers', { client: key, active: sessions.size });
      socket?.send(busy, client.port, client.address, ignoreSendError);
      return;
    }
    const session = new ReadSession(request, msg, client, settings);
    sessions.add(session);
    byClient.set(key, session);
    void session.done.then((result) => {
      sessions.delete(session);
      if (byClient.get(key) === session) byClient.delete(key);
      report(client, result);
    });
    void session.start();
  };

  const onMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
    try {
      dispatch(msg, rinfo);
    } catch (error) {
      // Nothing from a datagram may reach the event loop; this would be our bug, so it is logged loudly.
      counts.malformed++;
      log.error('tftp request handling failed', { client: `${rinfo.address}:${rinfo.port}`, error });
    }
  };

  const dispatch = (msg: Buffer, rinfo: RemoteInfo): void => {
    const client: TftpClient = { address: rinfo.address, port: rinfo.port };
    const decoded = decodeTftp(msg);
    if (!decoded.ok) {
      counts.malformed++;
      log.debug('tftp malformed request dropped', { client: `${rinfo.address}:${rinfo.port}`, reason: decoded.code });
      return;
    }
    const packet = decoded.packet;
    if (packet.kind === 'rrq') {
      counts.requests++;
      onRead(packet, msg, client);
    } else if (packet.kind === 'wrq') {
      counts.requests++;
      socket?.send(writeRefused, rinfo.port, rinfo.address, ignoreSendError);
      report(client, {
        outcome: 'access-denied',
        path: filenameText(packet.filename),
        bytes: 0,
        ms: 0,
        blksize: 512,
        windowsize: 1,
        detail: 'write request refused',
      });
    } else {
      // DATA, ACK, ERROR or OACK on the request port belong to no transfer.
      counts.malformed++;
      log.debug('tftp stray packet on request port', { client: `${rinfo.address}:${rinfo.port}`, kind: packet.kind });
    }
  };

  return {
    start: async () => {
      if (socket !== null) throw new TftpServerError('ALREADY_STARTED', 'TFTP server already started');
      const bound = createSocket({ type: 'udp4' });
      await new Promise<void>((resolve, reject) => {
        const onError = (error: NodeJS.ErrnoException): void => {
          bound.close();
          const code = error.code ?? 'BIND_FAILED';
          reject(new TftpServerError(code, `TFTP cannot bind ${options.address}:${options.port} (${code})`, { cause: error }));
        };
        bound.once('error', onError);
        bound.bind({ address: options.address, port: options.port, exclusive: true }, () => {
          bound.off('error', onError);
          resolve();
        });
      });
      bound.on('message', onMessage);
      bound.on('error', (error) => log.error('tftp request socket error', { error }));
      socket = bound;
      const port = bound.address().port;
      log.info('tftp listening', { address: options.address, port });
      return { port };
    },
    stop: async () => {
      const closing = socket;
      socket = null;
      await Promise.all([...sessions].map((s) => s.abort('Server shutting down')));
      if (closing !== null) await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
    stats: () => ({ ...counts, active: sessions.size }),
  };
}

function levelFor(outcome: TftpTransferEvent['outcome']): LogLevel {
  switch (outcome) {
    case 'complete':
    case 'not-found':
    case 'aborted':
      return 'info';
    case 'aborted-after-oack':
      return 'debug'; // firmware probes: normal, and many per boot
    case 'access-denied':
    case 'timeout':
      return 'warn';
    case 'error':
      return 'error';
  }
}

function ignoreSendError(): void {
  // Replies on the request port are best effort; the client retries or gives up.
}
