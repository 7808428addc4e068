// ONC RPC over TCP (RFC 5531 §11): a listener and its connections, each a record-marked stream of calls.
//
// Each connection has its own record decoder and limits. A stream whose record marking breaks (a fragment or
// record over the limit) cannot be resynchronised, so only that connection is closed. Handlers may be async and
// replies go out as they finish (RPC matches them by xid); at most `maxInFlight` calls per connection run at
// once, and while that many are running, or their records reach `maxInFlightBytes`, or replies are piling up
// unread, the socket stops being read, so a client that pipelines holds a bounded amount of our memory; its
// further calls wait in TCP's buffers. Large records are joined into pooled buffers, given back once their call
// is answered and whatever kept them (keepArgs: an NFS WRITE still going to its file) is done with them. With a kernel sender, a reply carrying a file slice (an NFS READ) goes out by sendfile(2) once
// everything written before it is with the kernel; replies finished meanwhile wait their turn, so records never
// interleave on the stream. With it too, a connection is read through a second descriptor of its socket into one
// buffer shared by all connections (Node's onread), not into a fresh 64 KiB buffer per read; the record decoder
// copies each record out before the next read.
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../log/logger.js';
import { dispatchMessage, type DispatchReply } from './rpc-dispatch.js';
import type { DispatchDeps } from './rpc-dispatch.js';
import { BufferPool } from '../net/buffer-pool.js';
import { copyRecord, frameRecord, RecordDecoder, type RecordPush } from './record-marking.js';
import { bindError } from './rpc-server-error.js';
import { sharedBufferReader } from '../net/shared-buffer-reader.js';
import type { KernelRecordSend, RecordSending } from './kernel-record-send.js';

export interface TcpLimits {
  readonly maxRecord: number;
  readonly maxConnections: number;
  readonly maxInFlight: number;
  /** Record bytes of the calls running at once on one connection (a record is started whenever fewer are). */
  readonly maxInFlightBytes: number;
  readonly idleTimeoutMs: number;
  /** Reply bytes queued for a client that does not read, above which its socket is no longer read. */
  readonly maxPendingWriteBytes: number;
}

export interface TcpTransport {
  start(): Promise<number>;
  stop(): Promise<void>;
}

/** Idle record buffers kept for all connections: about what one connection may have in flight. */
const RECORDS_KEPT = 8;

/** kernel: sends replies with file slices; null gives handlers no holdFile, so they copy. */
export function createTcpTransport(deps: DispatchDeps, address: string, port: number, limits: TcpLimits, kernel: KernelRecordSend | null = null): TcpTransport {
  const sockets = new Set<Socket>();
  const records = new BufferPool(RECORDS_KEPT * limits.maxRecord, limits.maxRecord);
  let server: Server | null = null;

  const onConnection = (socket: Socket): void => {
    const { stats, log } = deps;
    if (sockets.size >= limits.maxConnections) {
      stats.tcpRefused++;
      log.warn('rpc tcp connection refused: too many connections', { client: `${socket.remoteAddress}:${socket.remotePort}`, open: sockets.size });
      socket.on('error', () => {});
      socket.destroy();
      return;
    }
    stats.tcpAccepted++;
    stats.tcpOpen++;
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      stats.tcpOpen--;
    });
    serveConnection(deps, socket, limits, records, log, kernel);
  };

  return {
    start: async () => {
      // Half-open: a client may shut down its side after its last call and still read the replies.
      // Paused: serveConnection chooses how the connection is read, and the socket must not read meanwhile.
      const listening = createServer({ noDelay: true, allowHalfOpen: true, pauseOnConnect: true }, onConnection);
      await new Promise<void>((resolve, reject) => {
        const onError = (error: NodeJS.ErrnoException): void => reject(bindError('RPC over TCP', address, port, error));
        listening.once('error', onError);
        listening.listen({ host: address, port, exclusive: true }, () => {
          listening.off('error', onError);
          resolve();
        });
      });
      listening.on('error', (error) => deps.log.error('rpc tcp listener error', { error }));
      server = listening;
      const bound = listening.address();
      return typeof bound === 'object' && bound !== null ? bound.port : port;
    },
    stop: async () => {
      const closing = server;
      server = null;
      for (const socket of sockets) socket.destroy();
      if (closing !== null) await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
  };
}

/**
 * Replies up to this size go out as one copied buffer and one write: the record mark and the reply as two
 * pieces took Node's cork/writev path, ~7% of the server's time in a listing's profile, for a copy of a few KiB.
 * Larger ones (READ's megabyte) are written by reference.
 */
const COPY_REPLY_BELOW = 64 * 1024;
/**
 * Where a small reply is copied when the kernel sender writes it at once, as it does whenever the socket has
 * room: the kernel has the bytes before the next reply is made, so one buffer serves every connection. What a
 * socket does not take is copied out of it before Node queues it, as another connection reuses the buffer.
 */
let replyScratch: Buffer | null = null;

/** The buffer every connection read through a shared-buffer reader is read into (one is enough: shared-buffer-reader.ts). */
let sharedReadBuffer: Buffer | null = null;
const READ_BUFFER_BYTES = 256 * 1024;

function serveConnection(deps: DispatchDeps, socket: Socket, limits: TcpLimits, records: BufferPool, log: Logger, kernel: KernelRecordSend | null): void {
  const decoder = new RecordDecoder({ maxFragment: limits.maxRecord, maxRecord: limits.maxRecord, pool: records });
  const client = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0, transport: 'tcp' as const };
  const local = { address: socket.localAddress ?? '', port: socket.localPort ?? 0 };
  const source = { client, local, maxReplyBytes: Number.POSITIVE_INFINITY, ...(kernel === null ? {} : { holdFile: kernel.hold }) };
  const peer = `${client.address}:${client.port}`;
  // Records decoded but not yet started; only ever what one chunk held, since reading stops while any wait.
  let waiting: Buffer[] = [];
  let next = 0;
  let inFlight = 0;
  let inFlightBytes = 0;
  let clientDone = false;
  /** What the connection is read through: the socket, or a reader on a copy of its descriptor. */
  let input: Socket = socket;
  // Replies written through Node but not yet with the kernel, and who waits for there to be none.
  let unwritten = 0;
  let allWritten: (() => void)[] = [];
  // A reply going out from the kernel (from waiting for the writes before it to its last byte), and the replies
  // finished meanwhile, in order.
  let kernelBusy = false;
  let sending: RecordSending | null = null;
  const held: DispatchReply[] = [];

  const flow = (): void => {
    if (socket.destroyed) return;
    const hold = inFlight + held.length >= limits.maxInFlight || inFlightBytes >= limits.maxInFlightBytes || next < waiting.length || socket.writableLength > limits.maxPendingWriteBytes;
    if (hold && !input.isPaused()) input.pause();
    else if (!hold && input.isPaused()) input.resume();
  };

  const wrote = (reply: DispatchReply): void => {
    reply.sent();
    if (--unwritten === 0) for (const waiter of allWritten.splice(0)) waiter();
  };

  const write = (reply: DispatchReply): void => {
    const bytes = reply.chunks.reduce((n, c) => n + c.length, 0);
    if (bytes <= COPY_REPLY_BELOW && kernel !== null && unwritten === 0 && socket.writableLength === 0) {
      // Straight to the kernel: a listing's ~600 replies each went through Node's writable stream, its write
      // request and callback, for one send(2).
      const record = copyRecord(reply.chunks, bytes, bytes, (replyScratch ??= Buffer.allocUnsafeSlow(4 + COPY_REPLY_BELOW)));
      const taken = kernel.sendNow(socket, record);
      if (taken === record.length) {
        deps.stats.tcpSentAtOnce++;
        return reply.sent();
      }
      unwritten++;
      // The rest (or all, after a failure Node's write will meet and report) leaves the scratch for a copy of its own.
      socket.write(Buffer.from(record.subarray(Math.max(0, taken))), () => wrote(reply));
      return;
    }
    unwritten++;
    if (bytes <= COPY_REPLY_BELOW) {
      socket.write(copyRecord(reply.chunks, bytes), () => wrote(reply));
      return;
    }
    socket.cork();
    const pieces = frameRecord(reply.chunks);
    // The last piece's callback comes once all are written, or with an error when the socket is destroyed first.
    pieces.forEach((piece, i) => socket.write(piece, i === pieces.length - 1 ? () => wrote(reply) : undefined));
    socket.uncork();
  };

  const sendFromKernel = async (reply: DispatchReply, slice: NonNullable<DispatchReply['slice']>): Promise<void> => {
    const headBytes = reply.chunks.reduce((n, c) => n + c.length, 0);
    const tailBytes = slice.after.reduce((n, c) => n + c.length, 0);
    const head = copyRecord(reply.chunks, headBytes, headBytes + slice.file.length + tailBytes);
    // The kernel must not get the record's start before the bytes Node still holds for the socket.
    if (unwritten > 0) await new Promise<void>((resolve) => allWritten.push(resolve));
    if (socket.destroyed) return;
    sending = kernel!.send(socket, head, slice.file, Buffer.concat(slice.after, tailBytes));
    deps.stats.tcpFromKernel++;
    if (sending.onLoop === 'whole') deps.stats.tcpFromKernelOnLoop++;
    try {
      await sending.done;
    } catch (error) {
      deps.stats.tcpFromKernelFailed++;
      // Cut mid-record, the stream cannot go on; the client reconnects and asks again.
      log.debug('rpc tcp reply from file failed, connection closed', { client: peer, error });
      socket.destroy();
    } finally {
      sending = null;
    }
  };

  const out = (reply: DispatchReply): void => {
    if (socket.destroyed || socket.writableEnded) return reply.sent();
    const slice = reply.slice;
    if (slice === undefined) return write(reply);
    if (kernel === null) {
      // Only a transport with a kernel sender gives handlers holdFile, so this is our bug; the reply cannot be made.
      log.error('rpc tcp reply with a file slice but no kernel sender, connection closed', { client: peer });
      reply.sent();
      socket.destroy();
      return;
    }
    kernelBusy = true;
    void sendFromKernel(reply, slice).finally(() => {
      reply.sent();
      kernelBusy = false;
      while (!kernelBusy && held.length > 0) out(held.shift()!);
      pump();
    });
  };

  const send = (reply: DispatchReply): void => {
    if (kernelBusy) held.push(reply);
    else out(reply);
  };

  const run = (record: Buffer): void => {
    inFlight++;
    inFlightBytes += record.length;
    // The record goes back to the pool once its call is answered and whatever kept it (keepArgs) is done: until
    // then views of it, such as a WRITE's data still on its way to a file, stay valid, and its bytes still count.
    let users = 1;
    const release = (): void => {
      if (--users > 0) return;
      inFlightBytes -= record.length;
      records.give(record);
    };
    const keepArgs = (): (() => void) => {
      users++;
      let given = false;
      return () => {
        if (given) return;
        given = true;
        release();
        pump();
      };
    };
    const failed = (error: unknown): void => log.error('rpc tcp dispatch failed', { client: peer, error });
    let answered: ReturnType<typeof dispatchMessage> = null;
    try {
      answered = dispatchMessage(deps, record, source, keepArgs);
    } catch (error) {
      // Our bug, not the client's: logged, and the process goes on (as a rejected dispatch would).
      failed(error);
    }
    if (answered instanceof Promise) {
      answered
        .then((reply) => {
          if (reply !== null) send(reply);
        })
        .catch(failed)
        .finally(() => {
          inFlight--;
          // Arguments are decoded into values or copied, unless the handler kept the record.
          release();
          pump();
        });
      return;
    }
    // Answered at once: the pump that called us goes on to the next record.
    try {
      if (answered !== null) send(answered);
    } catch (error) {
      failed(error);
    }
    inFlight--;
    release();
  };

  const pump = (): void => {
    while (next < waiting.length && inFlight < limits.maxInFlight && inFlightBytes < limits.maxInFlightBytes) run(waiting[next++]!);
    if (next === waiting.length) {
      waiting = [];
      next = 0;
      if (clientDone && inFlight === 0 && !kernelBusy && !socket.writableEnded) {
        // A socket read through a reader never sees the client's end itself, so it would stay half open.
        if (input !== socket) socket.once('finish', () => socket.destroy());
        socket.end();
      }
    }
    flow();
  };

  const onRecords = ({ records, error }: RecordPush): void => {
    if (socket.destroyed) return;
    if (error !== null) {
      deps.stats.tcpClosedGarbage++;
      log.debug('rpc tcp record marking broken, connection closed', { client: peer, reason: error.code, detail: error.detail });
      socket.destroy();
      return;
    }
    for (const record of records) waiting.push(record);
    pump();
  };
  const onBytes = (chunk: Buffer): void => {
    if (!socket.destroyed) onRecords(decoder.push(chunk));
  };
  const reader =
    kernel === null
      ? null
      : sharedBufferReader(socket, kernel.hold, {
          shared: (sharedReadBuffer ??= Buffer.allocUnsafeSlow(READ_BUFFER_BYTES)),
          onBytes,
          // The rest of a large record goes straight into that record's buffer.
          target: () => decoder.inPlaceTarget(),
          onTarget: (bytes) => onRecords(decoder.pushInPlace(bytes)),
        });
  input = reader ?? socket;
  input.setTimeout(limits.idleTimeoutMs);
  input.on('timeout', () => {
    // A slow handler is not an idle client (calls in flight are checked); replies do not re-arm the reader's timer.
    if (inFlight > 0 || next < waiting.length || kernelBusy) return;
    deps.stats.tcpClosedIdle++;
    log.debug('rpc tcp connection idle, closed', { client: peer });
    socket.destroy();
  });
  input.on('end', () => {
    clientDone = true;
    pump();
  });
  socket.on('drain', pump);
  socket.on('error', (error) => log.debug('rpc tcp connection error', { client: peer, error }));
  socket.on('close', () => {
    waiting = [];
    next = 0;
    sending?.abort();
    for (const reply of held.splice(0)) reply.sent();
    reader?.destroy();
  });
  if (reader === null) {
    socket.on('data', onBytes);
    socket.resume();
  } else {
    // The reader's errors (a reset) end the connection; its close after the client's end does not.
    reader.on('error', (error) => {
      log.debug('rpc tcp connection error', { client: peer, error });
      socket.destroy();
    });
  }
}
