// What runs the data phase of a TFTP read transfer (RFC 1350 §6, RFC 2347 OACK, RFC 7440 windows): the seam
// between the session and its two engines, js-pump.ts (Node sockets) and native-pump.ts (native/tftp_pump.c).
import type { TransferConfig, TransferOutcome } from './transfer.js';

export interface PumpResult {
  readonly outcome: TransferOutcome | 'error';
  /** Highest block the client acknowledged, counted from 1 (no rollover). */
  readonly acked: number;
  readonly detail?: string;
  /** What went wrong on the way, for the transfer's log line. */
  readonly counts: PumpCounts;
}

export interface PumpCounts {
  /** Windows (or OACKs) sent again after a timeout. */
  readonly retransmits: number;
  /** ACKs for the block already acknowledged: not answered (the Sorcerer's Apprentice bug, RFC 1123 §4.2.3.1). */
  readonly duplicateAcks: number;
  /** ACKs for blocks never sent, or a non-zero ACK to the OACK. */
  readonly unknownAcks: number;
}

export interface TransferPump {
  /** Whether the client has sent anything to the transfer's port; until then a repeated RRQ is a retransmission. */
  readonly heard: boolean;
  /** Resolves once the transfer ended and its socket is closed; never rejects. */
  readonly done: Promise<PumpResult>;
  /** Ends the transfer from our side with ERROR 0 `message` to the client; `done` then reports 'aborted'. */
  abort(message: string): void;
}

/** What a pump is given: the negotiated transfer, its first packet if that is an OACK, and where to count junk. */
export interface PumpJob {
  readonly config: TransferConfig;
  readonly oack: Buffer | null;
  readonly onMalformed: () => void;
}
