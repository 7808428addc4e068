// One TFTP read transfer on its own port (RFC 1350 §4 TIDs): drives transfer.ts with timers, read-ahead, sockets.
//
// Packet buffers are reused for every window; the path taken per ACK awaits nothing.
import type { RemoteInfo, Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log/logger.js';
import { ackBlockOf, decodeTftp, encodeTftp, TftpErrorCode, writeDataHeader } from './codec.js';
import type { TftpRequest } from './codec.js';
import { filenameText } from './filename.js';
import type { TftpClient, TftpFile, TftpFiles } from './files.js';
import { netasciiFile } from './netascii-file.js';
import { DEFAULT_BLKSIZE, negotiate } from './options.js';
import type { NegotiationLimits } from './options.js';
import { createReadAhead } from './read-ahead.js';
import type { ReadAhead } from './read-ahead.js';
import { openTransferPort } from './transfer-port.js';
import type { TransferPort } from './transfer-port.js';
import { blockCount, initialTransferState, stepTransfer, wireBlock } from './transfer.js';
import type { TransferConfig, TransferEvent, TransferSend, TransferState } from './transfer.js';

export type SessionOutcome =
  | 'complete'
  | 'aborted-after-oack'
  | 'aborted'
  | 'timeout'
  | 'not-found'
  | 'access-denied'
  | 'error';

export interface SessionResult {
  readonly outcome: SessionOutcome;
  readonly path: string;
  readonly bytes: number;
  readonly ms: number;
  readonly blksize: number;
  readonly windowsize: number;
  readonly detail?: string;
}

export interface SessionSettings {
  readonly address: string;
  readonly files: TftpFiles;
  readonly limits: NegotiationLimits;
  readonly timeoutMs: number;
  readonly retries: number;
  /** Ceiling for the doubling retransmission delay. */
  readonly maxTimeoutMs: number;
  readonly log: Logger;
  readonly onMalformed: () => void;
  /** Ports of the server's live transfers, see transfer-port.ts. */
  readonly ports: Set<number>;
}

const unknownTid = encodeTftp({ kind: 'error', code: TftpErrorCode.unknownTid, message: 'Unknown transfer ID' });

export class ReadSession {
  readonly client: TftpClient;
  readonly request: Buffer;
  readonly path: string;
  /** Whether the client has sent anything to this transfer's port; until then a repeated RRQ is a retransmission. */
  heard = false;
  readonly done: Promise<SessionResult>;

  readonly #settings: SessionSettings;
  readonly #parsed: TftpRequest;
  readonly #log: Logger;
  readonly #started = performance.now();
  #resolve!: (result: SessionResult) => void;
  #ended = false;
  #port: TransferPort | null = null;
  /** The port's socket connected to the client; null once ended. */
  #socket: Socket | null = null;
  #file: TftpFile | null = null;
  #config: TransferConfig | null = null;
  #state: TransferState = initialTransferState;
  #reader: ReadAhead | null = null;
  #oack: Buffer | null = null;
  #packets: Buffer = Buffer.alloc(0);
  #views: Buffer[] = [];
  #slotBytes = 0;
  #timer: NodeJS.Timeout | null = null;
  /** When the retransmission is due, and when the Node timer will actually fire (never later). */
  #deadline = 0;
  #timerAt = 0;
  #pending: TransferSend | null = null;
  #pumping = false;
  #failing = false;

  constructor(request: TftpRequest, raw: Buffer, client: TftpClient, settings: SessionSettings) {
    this.client = client;
    this.request = raw;
    this.path = filenameText(request.filename);
    this.#parsed = request;
    this.#settings = settings;
    this.#log = settings.log.child({ client: `${client.address}:${client.port}`, path: this.path });
    this.done = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Binds the transfer's port, opens the file, negotiates and sends the first packet. Never rejects. */
  async start(): Promise<void> {
    try {
      const port = await openTransferPort(this.#settings.address, this.client, this.#settings.ports);
      if (this.#ended) {
        port.close();
        return;
      }
      this.#port = port;
      this.#socket = port.peer;
      port.peer.on('message', (msg) => this.#onMessage(msg));
      port.peer.on('error', (error) => this.#onSocketError(error));
      port.stray.on('message', (_msg, rinfo) => this.#onStray(rinfo));
      port.stray.on('error', (error) => this.#onSocketError(error));

      const mode = this.#parsed.mode.toLowerCase();
      if (mode !== 'octet' && mode !== 'netascii') {
        await this.#refuse('error', TftpErrorCode.illegalOperation, `Unsupported mode ${this.#parsed.mode}`);
        return;
      }
      const opened = await this.#settings.files.open(this.path, this.client);
      if (!opened.ok) {
        const code = opened.code === 'not-found' ? TftpErrorCode.fileNotFound : TftpErrorCode.accessViolation;
        const text = opened.code === 'not-found' ? 'File not found' : 'Access violation';
        await this.#refuse(opened.code, code, text, opened.message);
        return;
      }
      if (this.#ended) {
        await opened.file.close().catch(() => undefined);
        return;
      }
      this.#file = opened.file; // closed by #end from here on, even if the netascii scan fails
      if (mode === 'netascii') this.#file = await netasciiFile(opened.file);
      if (this.#ended) return;
      this.#begin(this.#file);
    } catch (error) {
      await this.#fail(error);
    }
  }

  /** Ends the transfer from our side (server shutdown), telling the client why. */
  async abort(message: string): Promise<void> {
    if (this.#ended) return;
    await this.#sendFinal(encodeTftp({ kind: 'error', code: TftpErrorCode.notDefined, message }));
    this.#end('aborted', message);
  }

  #begin(file: TftpFile): void {
    const negotiated = negotiate(this.#parsed.options, file.size, this.#settings.limits);
    const timeoutMs = negotiated.timeoutMs ?? this.#settings.timeoutMs;
    const config: TransferConfig = {
      size: file.size,
      blksize: negotiated.blksize,
      windowsize: negotiated.windowsize,
      oack: negotiated.oack.length > 0,
      timeoutMs,
      maxTimeoutMs: Math.max(timeoutMs, this.#settings.maxTimeoutMs),
      retries: this.#settings.retries,
    };
    this.#config = config;
    if (config.oack) this.#oack = encodeTftp({ kind: 'oack', options: negotiated.oack });
    this.#reader = createReadAhead(file, config.size, config.blksize, config.windowsize);
    this.#slotBytes = config.blksize + 4;
    const slots = Math.min(config.windowsize, blockCount(config.size, config.blksize));
    this.#packets = Buffer.allocUnsafe(slots * this.#slotBytes);
    this.#views = Array.from({ length: slots }, (_, i) => this.#packets.subarray(i * this.#slotBytes, (i + 1) * this.#slotBytes));
    this.#apply({ kind: 'start' });
  }

  /** RFC 1350 §4: a stranger gets ERROR 5 and the transfer goes on undisturbed. */
  #onStray(rinfo: RemoteInfo): void {
    if (this.#ended) return;
    this.#log.debug('tftp packet from unknown TID', { from: `${rinfo.address}:${rinfo.port}` });
    this.#port?.stray.send(unknownTid, rinfo.port, rinfo.address, ignoreSendError);
  }

  #onSocketError(error: NodeJS.ErrnoException): void {
    if (this.#ended) return;
    // The connected socket learns from ICMP that the client's port closed: it went away mid-transfer.
    if (error.code === 'ECONNREFUSED') this.#end('aborted', 'client port closed');
    else void this.#fail(error);
  }

  #onMessage(msg: Buffer): void {
    if (this.#ended) return;
    this.heard = true;
    const block = ackBlockOf(msg);
    if (block >= 0) {
      this.#apply({ kind: 'ack', block });
      return;
    }
    const decoded = decodeTftp(msg);
    if (!decoded.ok) {
      this.#settings.onMalformed();
      this.#log.debug('tftp malformed packet dropped', { reason: decoded.code, detail: decoded.detail });
      return;
    }
    const packet = decoded.packet;
    if (packet.kind === 'ack') this.#apply({ kind: 'ack', block: packet.block });
    else if (packet.kind === 'error') this.#apply({ kind: 'error', code: packet.code, message: packet.message });
    else {
      this.#settings.onMalformed();
      this.#log.debug('tftp unexpected packet dropped', { kind: packet.kind });
    }
  }

  #apply(event: TransferEvent): void {
    const config = this.#config;
    if (config === null || this.#ended || this.#failing) return;
    const step = stepTransfer(config, this.#state, event);
    this.#state = step.state;
    if (step.ignored !== null) {
      this.#log.debug('tftp event ignored', { event: event.kind, reason: step.ignored });
      return;
    }
    if (step.outcome !== null) {
      const detail = event.kind === 'error' ? `client error ${event.code}: ${event.message}` : undefined;
      this.#end(step.outcome, detail);
      return;
    }
    if (step.timerMs !== null) this.#arm(step.timerMs);
    if (step.send !== null) {
      if (this.#state.attempt > 0) this.#log.debug('tftp retransmit', { attempt: this.#state.attempt });
      if (this.#pumping) {
        this.#pending = step.send; // the waiting sender takes the newest decision instead of its own
        return;
      }
      let rest: TransferSend | null;
      try {
        rest = this.#sendReady(step.send);
      } catch (error) {
        // A throwing send must end this transfer, not reach the event loop from a socket or timer callback.
        void this.#fail(error);
        return;
      }
      if (rest !== null) {
        this.#pending = rest;
        void this.#pump();
      }
    }
  }

  /**
   * Sends what can go out right now, without awaiting anything: this is the path of nearly every ACK.
   * Returns what is left when a block is not read yet or the kernel still holds earlier packets.
   */
  #sendReady(send: TransferSend): TransferSend | null {
    const socket = this.#socket!;
    if (send.kind === 'oack') {
      socket.send(this.#oack!);
      return null;
    }
    // Packet slots are reused: a send the kernel queued instead of taking at once still reads its slot.
    if (socket.getSendQueueCount() > 0) return send;
    const reader = this.#reader!;
    const packets = this.#packets;
    for (let i = 0; i < send.count; i++) {
      const block = send.first + i;
      const at = i * this.#slotBytes;
      const length = reader.copyBlock(block, packets, at + 4);
      if (length < 0) return { kind: 'data', first: block, count: send.count - i };
      writeDataHeader(packets, at, wireBlock(block));
      // Full blocks go out through a view made once per slot; Node would otherwise make one per send.
      if (length === this.#config!.blksize) socket.send(this.#views[i]!);
      else socket.send(packets, at, length + 4);
    }
    reader.prefetchAfter(this.#state.acked + 1);
    return null;
  }

  /** Waits for the disk or the kernel, then sends; a decision made meanwhile replaces the waiting one. */
  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (this.#pending !== null && !this.#ended) {
        const waiting = this.#pending;
        if (this.#socket!.getSendQueueCount() > 0) await new Promise((resolve) => setImmediate(resolve));
        else if (waiting.kind === 'data') await this.#reader!.ensure(waiting.first);
        if (this.#ended) return;
        const send = this.#pending;
        if (send === null) return;
        this.#pending = null;
        const rest = this.#sendReady(send);
        if (this.#pending === null) this.#pending = rest;
      }
    } catch (error) {
      await this.#fail(error);
    } finally {
      this.#pumping = false;
    }
  }

  /**
   * Moves the retransmission deadline. Re-arming a Node timer on every ACK costs more than the ACK itself, so
   * the timer only moves when the deadline comes sooner; when it fires early it sleeps until the deadline.
   */
  #arm(ms: number): void {
    const now = performance.now();
    this.#deadline = now + ms;
    if (this.#timer !== null && this.#timerAt <= this.#deadline) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timerAt = this.#deadline;
    this.#timer = setTimeout(this.#onTimer, ms);
  }

  readonly #onTimer = (): void => {
    this.#timer = null;
    const left = this.#deadline - performance.now();
    if (left >= 1) {
      this.#timerAt = this.#deadline;
      this.#timer = setTimeout(this.#onTimer, left);
      return;
    }
    this.#apply({ kind: 'timeout' });
  };

  async #refuse(outcome: SessionOutcome, code: number, message: string, detail?: string): Promise<void> {
    await this.#sendFinal(encodeTftp({ kind: 'error', code, message }));
    this.#end(outcome, detail ?? message);
  }

  async #fail(error: unknown): Promise<void> {
    if (this.#ended || this.#failing) return;
    this.#failing = true;
    const detail = error instanceof Error ? error.message : String(error);
    this.#log.debug('tftp transfer failed', { error });
    await this.#sendFinal(encodeTftp({ kind: 'error', code: TftpErrorCode.notDefined, message: 'Server error' }));
    this.#end('error', detail);
  }

  /** A last packet must leave before the socket closes, or closing would cancel a queued send. */
  #sendFinal(buf: Buffer): Promise<void> {
    const socket = this.#socket;
    if (socket === null || this.#ended) return Promise.resolve();
    return new Promise((resolve) => {
      try {
        socket.send(buf, () => resolve());
      } catch {
        resolve();
      }
    });
  }

  #end(outcome: SessionOutcome, detail?: string): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#pending = null;
    this.#socket = null;
    this.#port?.close();
    const file = this.#file;
    if (file !== null) file.close().catch(() => undefined);
    const config = this.#config;
    const bytes =
      config === null ? 0 : outcome === 'complete' ? config.size : Math.min(config.size, this.#state.acked * config.blksize);
    this.#resolve({
      outcome,
      path: this.path,
      bytes,
      ms: Math.round(performance.now() - this.#started),
      blksize: config?.blksize ?? DEFAULT_BLKSIZE,
      windowsize: config?.windowsize ?? 1,
      ...(detail === undefined ? {} : { detail }),
    });
  }
}

function ignoreSendError(): void {
  // ERROR 5 to a stranger is a courtesy; losing it changes nothing.
}
