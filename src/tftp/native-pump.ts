// TFTP data pump in a native thread (RFC 1350 §6, RFC 2347, RFC 7440): the JavaScript face of native/tftp_pump.c.
import { loadAddon, type AddonLoad } from '../native/load-addon.js';
import type { TftpClient, TftpFile } from './files.js';
import type { PumpJob, PumpResult, TransferPump } from './pump.js';

interface NativeResult {
  readonly outcome: string;
  readonly acked: number;
  readonly malformed: number;
  readonly retransmits: number;
  readonly duplicateAcks: number;
  readonly unknownAcks: number;
  readonly detail?: string;
}

interface TftpPumpAddon {
  start(
    options: {
      address: string;
      port: number;
      clientAddress: string;
      clientPort: number;
      fd: number;
      bytes: Buffer | undefined;
      size: number;
      blksize: number;
      windowsize: number;
      oack: Buffer | null;
      timeoutMs: number;
      maxTimeoutMs: number;
      retries: number;
    },
    onDone: (result: NativeResult) => void,
  ): object;
  cancel(handle: object, message: string): void;
  heard(handle: object): boolean;
}

/** Where a native transfer runs: the server's address and the transfer's own port (its TID). */
export interface NativePumpPlace {
  readonly address: string;
  readonly port: number;
  readonly client: TftpClient;
}

export interface NativePumps {
  /** Whether `file` can be pumped natively: it needs a descriptor or its bytes in memory. */
  canPump(file: TftpFile): boolean;
  /** Binds the transfer's connected socket and starts the thread; throws when the socket cannot be made. */
  start(place: NativePumpPlace, file: TftpFile, job: PumpJob): TransferPump;
}

const outcomes = new Set<PumpResult['outcome']>(['complete', 'aborted-after-oack', 'aborted', 'timeout', 'error']);

export function loadNativePumps(from: string = import.meta.url): { readonly pumps: NativePumps | null; readonly reason: string | null } {
  const loaded: AddonLoad<TftpPumpAddon> = loadAddon<TftpPumpAddon>(
    'tftp_pump',
    (m) => typeof m.start === 'function' && typeof m.cancel === 'function' && typeof m.heard === 'function',
    from,
  );
  if (!loaded.ok) return { pumps: null, reason: loaded.reason };
  const addon = loaded.addon;
  return {
    reason: null,
    pumps: {
      canPump: (file) => file.bytes !== undefined || (file.fd !== undefined && file.fd >= 0),
      start: (place, file, job) => {
        let resolve!: (result: PumpResult) => void;
        const done = new Promise<PumpResult>((r) => {
          resolve = r;
        });
        const config = job.config;
        let handle: object | null = null;
        handle = addon.start(
          {
            address: place.address,
            port: place.port,
            clientAddress: place.client.address,
            clientPort: place.client.port,
            fd: file.bytes !== undefined ? -1 : (file.fd ?? -1),
            bytes: file.bytes,
            size: config.size,
            blksize: config.blksize,
            windowsize: config.windowsize,
            oack: job.oack,
            timeoutMs: config.timeoutMs,
            maxTimeoutMs: config.maxTimeoutMs,
            retries: config.retries,
          },
          (result) => {
            handle = null;
            for (let i = 0; i < result.malformed; i++) job.onMalformed();
            const outcome = outcomes.has(result.outcome as PumpResult['outcome']) ? (result.outcome as PumpResult['outcome']) : 'error';
            const counts = { retransmits: result.retransmits, duplicateAcks: result.duplicateAcks, unknownAcks: result.unknownAcks };
            resolve({ outcome, acked: result.acked, counts, ...(result.detail === undefined ? {} : { detail: result.detail }) });
          },
        );
        const started = handle;
        return {
          // The handle outlives the transfer only as long as this object does; cancel and heard are safe on it.
          get heard() {
            return addon.heard(started);
          },
          done,
          abort: (message) => {
            if (handle !== null) addon.cancel(handle, message);
          },
        };
      },
    },
  };
}
