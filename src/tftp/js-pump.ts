// TFTP data pump on Node sockets (RFC 1350 §6, RFC 2347, RFC 7440): drives transfer.ts with timers and read-ahead.
//
// The engine when the native one (native-pump.ts) is not built, and for files with no descriptor (netascii).
// Packet buffers are reused for every window; the path taken per ACK awaits nothing.
import type { Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log/logger.js';
import { ackBlockOf, decodeTftp, encodeTftp, TftpErrorCode, writeDataHeader } from './codec.js';
import type { TftpFile } from './files.js';
import type { PumpJob, PumpResult, TransferPump } from './pump.js';
import { createReadAhead } from './read-ahead.js';
import type { ReadAhead } from './read-ahead.js';
import { blockCount, initialTransferState, stepTransfer, wireBlock } from './transfer.js';
import type { TransferConfig, TransferEvent, TransferSend, TransferState } from './transfer.js';

export class JsPump implements TransferPump {
  heard = false;
  readonly done: Promise<PumpResult>;

  readonly #socket: Socket;
  readonly #config: TransferConfig;
  readonly #oack: Buffer | null;
  readonly #onMalformed: () => void;
  readonly #log: Logger;
  readonly #reader: ReadAhead;
  readonly #packets: Buffer;
  readonly #views: Buffer[];
  readonly #slotBytes: number;
  #resolve!: (result: PumpResult) => void;
  #ended = false;
  #state: TransferState = initialTransferState;
  #timer: NodeJS.Timeout | null = null;
  /** When the retransmission is due, and when the Node timer will actually fire (never later). */
  #deadline = 0;
  #timerAt = 0;
  #pending: TransferSend | null = null;
  #pumping = false;
  #failing = false;
  readonly #counts = { retransmits: 0, duplicateAcks: 0, unknownAcks: 0 };

  /** `socket` is connected to the client and becomes this pump's to close. */
  constructor(socket: Socket, file: TftpFile, job: PumpJob, log: Logger) {
    this.#socket = socket;
    this.#config = job.config;
    this.#oack = job.oack;
    this.#onMalformed = job.onMalformed;
    this.#log = log;
    this.done = new Promise((resolve) => {
      this.#resolve = resolve;
    });
    const config = job.config;
    this.#reader = createReadAhead(file, config.size, config.blksize, config.windowsize);
    this.#slotBytes = config.blksize + 4;
    const slots = Math.min(config.windowsize, blockCount(config.size, config.blksize));
    this.#packets = Buffer.allocUnsafe(slots * this.#slotBytes);
    this.#views = Array.from({ length: slots }, (_, i) => this.#packets.subarray(i * this.#slotBytes, (i + 1) * this.#slotBytes));
    socket.on('message', (msg) => this.#onMessage(msg));
    socket.on('error', (error) => this.#onSocketError(error));
    this.#apply({ kind: 'start' });
  }

  abort(message: string): void {
    if (this.#ended) return;
    this.#finish(encodeTftp({ kind: 'error', code: TftpErrorCode.notDefined, message }), 'aborted', message);
  }

  #onSocketError(error: NodeJS.ErrnoException): void {
    if (this.#ended) return;
    // The connected socket learns from ICMP that the client's port closed: it went away mid-transfer.
    if (error.code === 'ECONNREFUSED') this.#end('aborted', 'client port closed');
    else this.#fail(error);
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
      this.#onMalformed();
      this.#log.debug('tftp malformed packet dropped', { reason: decoded.code, detail: decoded.detail });
      return;
    }
    const packet = decoded.packet;
    if (packet.kind === 'error') this.#apply({ kind: 'error', code: packet.code, message: packet.message });
    else {
      this.#onMalformed();
      this.#log.debug('tftp unexpected packet dropped', { kind: packet.kind });
    }
  }

  #apply(event: TransferEvent): void {
    if (this.#ended || this.#failing) return;
    const step = stepTransfer(this.#config, this.#state, event);
    this.#state = step.state;
    if (step.ignored !== null) {
      if (step.ignored === 'duplicate-ack') this.#counts.duplicateAcks++;
      else if (step.ignored === 'unknown-ack') this.#counts.unknownAcks++;
      return;
    }
    if (step.outcome !== null) {
      const detail = event.kind === 'error' ? `client error ${event.code}: ${event.message}` : undefined;
      this.#end(step.outcome, detail);
      return;
    }
    if (step.timerMs !== null) this.#arm(step.timerMs);
    if (step.send !== null) {
      if (event.kind === 'timeout') this.#counts.retransmits++;
      if (this.#pumping) {
        this.#pending = step.send; // the waiting sender takes the newest decision instead of its own
        return;
      }
      let rest: TransferSend | null;
      try {
        rest = this.#sendReady(step.send);
      } catch (error) {
        // A throwing send must end this transfer, not reach the event loop from a socket or timer callback.
        this.#fail(error);
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
    const socket = this.#socket;
    if (send.kind === 'oack') {
      socket.send(this.#oack!);
      return null;
    }
    // Packet slots are reused: a send the kernel queued instead of taking at once still reads its slot.
    if (socket.getSendQueueCount() > 0) return send;
    const reader = this.#reader;
    const packets = this.#packets;
    for (let i = 0; i < send.count; i++) {
      const block = send.first + i;
      const at = i * this.#slotBytes;
      const length = reader.copyBlock(block, packets, at + 4);
      if (length < 0) return { kind: 'data', first: block, count: send.count - i };
      writeDataHeader(packets, at, wireBlock(block));
      // Full blocks go out through a view made once per slot; Node would otherwise make one per send.
      if (length === this.#config.blksize) socket.send(this.#views[i]!);
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
        if (this.#socket.getSendQueueCount() > 0) await new Promise((resolve) => setImmediate(resolve));
        else if (waiting.kind === 'data') await this.#reader.ensure(waiting.first);
        if (this.#ended) return;
        const send = this.#pending;
        if (send === null) return;
        this.#pending = null;
        const rest = this.#sendReady(send);
        if (this.#pending === null) this.#pending = rest;
      }
    } catch (error) {
      this.#fail(error);
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

  #fail(error: unknown): void {
    if (this.#ended || this.#failing) return;
    this.#failing = true;
    const detail = error instanceof Error ? error.message : String(error);
    this.#log.debug('tftp transfer failed', { error });
    this.#finish(encodeTftp({ kind: 'error', code: TftpErrorCode.notDefined, message: 'Server error' }), 'error', detail);
  }

  /** A last packet must leave before the socket closes, or closing would cancel a queued send. */
  #finish(last: Buffer, outcome: PumpResult['outcome'], detail: string): void {
    this.#stopTimer();
    this.#pending = null;
    this.#failing = true;
    try {
      this.#socket.send(last, () => this.#end(outcome, detail));
    } catch {
      this.#end(outcome, detail);
    }
  }

  #stopTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #end(outcome: PumpResult['outcome'], detail?: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#stopTimer();
    this.#pending = null;
    try {
      this.#socket.close();
    } catch {
      // already closed
    }
    this.#resolve({ outcome, acked: this.#state.acked, counts: { ...this.#counts }, ...(detail === undefined ? {} : { detail }) });
  }
}
