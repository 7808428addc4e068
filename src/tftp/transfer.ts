// TFTP read-transfer sender (RFC 1350 §2/§6, RFC 2347 OACK, RFC 7440 windows): pure, events in, sends/timer out.
//
// Blocks are counted absolutely from 1 here and put on the wire modulo 65536, so a file longer than
// 65535 blocks rolls over to block 0 (what tftpd-hpa, dnsmasq and the Pi 4 bootloader do).

export interface TransferConfig {
  readonly size: number;
  readonly blksize: number;
  readonly windowsize: number;
  /** The transfer opens with an OACK, and DATA starts once the client ACKs block 0 (RFC 2347). */
  readonly oack: boolean;
  /** First retransmission delay; it doubles on each retry up to maxTimeoutMs. */
  readonly timeoutMs: number;
  readonly maxTimeoutMs: number;
  /** Retransmissions without progress before giving up. */
  readonly retries: number;
}

export type TransferOutcome = 'complete' | 'aborted-after-oack' | 'aborted' | 'timeout';

export interface TransferState {
  readonly phase: 'idle' | 'oack' | 'data' | 'done';
  /** Highest block the client acknowledged (0 before any). */
  readonly acked: number;
  /** Highest block of the window in flight. */
  readonly sent: number;
  /** Retransmissions since the last progress. */
  readonly attempt: number;
}

export type TransferEvent =
  | { readonly kind: 'start' }
  | { readonly kind: 'ack'; readonly block: number }
  | { readonly kind: 'error'; readonly code: number; readonly message: string }
  | { readonly kind: 'timeout' };

export type TransferSend =
  | { readonly kind: 'oack' }
  | { readonly kind: 'data'; readonly first: number; readonly count: number };

/** Why an event changed nothing; for debug logs and tests. */
export type TransferIgnored = 'duplicate-ack' | 'unknown-ack' | 'not-running';

export interface TransferStep {
  readonly state: TransferState;
  readonly send: TransferSend | null;
  /** Arm the retransmission timer with this delay; null leaves a running timer alone. */
  readonly timerMs: number | null;
  readonly outcome: TransferOutcome | null;
  readonly ignored: TransferIgnored | null;
}

export const initialTransferState: TransferState = { phase: 'idle', acked: 0, sent: 0, attempt: 0 };

/** Number of DATA blocks: always one short (possibly empty) block at the end, RFC 1350 §6. */
export function blockCount(size: number, blksize: number): number {
  return Math.floor(size / blksize) + 1;
}

export function blockOffset(config: TransferConfig, block: number): number {
  return (block - 1) * config.blksize;
}

export function blockLength(config: TransferConfig, block: number): number {
  return Math.max(0, Math.min(config.blksize, config.size - blockOffset(config, block)));
}

export function wireBlock(block: number): number {
  return block & 0xffff;
}

export function retransmitDelay(config: TransferConfig, attempt: number): number {
  return Math.min(config.timeoutMs * 2 ** attempt, Math.max(config.timeoutMs, config.maxTimeoutMs));
}

export function stepTransfer(config: TransferConfig, state: TransferState, event: TransferEvent): TransferStep {
  if (state.phase === 'done') return ignore(state, 'not-running');
  switch (event.kind) {
    case 'start':
      if (state.phase !== 'idle') return ignore(state, 'not-running');
      if (config.oack) return step(at('oack', 0, 0, 0), sendOack, config.timeoutMs);
      return sendWindow(config, 0, 0);
    case 'ack':
      return onAck(config, state, event.block);
    case 'error':
      return finish(state, abortOutcome(state, event.code, event.message));
    case 'timeout':
      return onTimeout(config, state);
  }
}

function onAck(config: TransferConfig, state: TransferState, wire: number): TransferStep {
  if (state.phase === 'idle') return ignore(state, 'not-running');
  if (state.phase === 'oack') {
    if (wire !== 0) return ignore(state, 'unknown-ack');
    return sendWindow(config, 0, 0);
  }
  // Map the 16-bit number onto the blocks in flight: acked+1 .. sent. Anything else is old or foreign.
  const ahead = (wire - wireBlock(state.acked)) & 0xffff;
  if (ahead === 0) return ignore(state, 'duplicate-ack'); // answering these is the Sorcerer's Apprentice bug
  if (ahead > state.sent - state.acked) return ignore(state, 'unknown-ack');
  const acked = state.acked + ahead;
  if (acked === blockCount(config.size, config.blksize)) return finish(at('data', acked, state.sent, 0), 'complete');
  // RFC 7440 §4: an ACK short of the window's end means the client lost the next block; the new window
  // starts right after the acknowledged one (a rewind), otherwise it simply follows on.
  return sendWindow(config, acked, 0);
}

function onTimeout(config: TransferConfig, state: TransferState): TransferStep {
  if (state.phase === 'idle') return ignore(state, 'not-running');
  const attempt = state.attempt + 1;
  if (attempt > config.retries) return finish(state, 'timeout');
  if (state.phase === 'oack') return step(at('oack', 0, 0, attempt), sendOack, retransmitDelay(config, attempt));
  return sendWindow(config, state.acked, attempt);
}

/** The window after `acked`: RFC 7440 windows restart from the last acknowledged block. */
function sendWindow(config: TransferConfig, acked: number, attempt: number): TransferStep {
  const first = acked + 1;
  const count = Math.min(config.windowsize, blockCount(config.size, config.blksize) - acked);
  const send: TransferSend = { kind: 'data', first, count };
  return step(at('data', acked, acked + count, attempt), send, retransmitDelay(config, attempt));
}

// Literal objects of one shape: this runs once per ACK, and spread copies are slow in V8.
function at(phase: TransferState['phase'], acked: number, sent: number, attempt: number): TransferState {
  return { phase, acked, sent, attempt };
}

const sendOack: TransferSend = { kind: 'oack' };

/**
 * Firmware often reads only the OACK (EDK2 answers it with ERROR 8 to learn tsize) or the first block (the
 * Raspberry Pi's "Early terminate" probes). Those are normal; other client errors are real aborts.
 */
function abortOutcome(state: TransferState, code: number, message: string): TransferOutcome {
  if (code === 0 && /early terminate/i.test(message)) return 'aborted-after-oack';
  if ((code === 0 || code === 8) && (state.phase === 'oack' || state.acked <= 1)) return 'aborted-after-oack';
  return 'aborted';
}

function step(state: TransferState, send: TransferSend | null, timerMs: number | null): TransferStep {
  return { state, send, timerMs, outcome: null, ignored: null };
}

function finish(state: TransferState, outcome: TransferOutcome): TransferStep {
  return { state: at('done', state.acked, state.sent, state.attempt), send: null, timerMs: null, outcome, ignored: null };
}

function ignore(state: TransferState, ignored: TransferIgnored): TransferStep {
  return { state, send: null, timerMs: null, outcome: null, ignored };
}
