// One TFTP read transfer on its own port (RFC 1350 §4 TIDs): opens the file, negotiates, hands the data to a pump.
//
// The pump is the native one (native/tftp_pump.c) when it is built and the file has a descriptor or bytes in
// memory, otherwise Node's (js-pump.ts); both run the same state machine, transfer.ts.
import type { RemoteInfo } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log/logger.js';
import { encodeTftp, TftpErrorCode } from './codec.js';
import type { TftpRequest } from './codec.js';
import { filenameText } from './filename.js';
import type { TftpClient, TftpFile, TftpFiles } from './files.js';
import { JsPump } from './js-pump.js';
import type { NativePumps } from './native-pump.js';
import { netasciiFile } from './netascii-file.js';
import { DEFAULT_BLKSIZE, negotiate } from './options.js';
import type { NegotiationLimits } from './options.js';
import type { PumpCounts, PumpJob, PumpResult, TransferPump } from './pump.js';
import { openTransferPort } from './transfer-port.js';
import type { TransferPort } from './transfer-port.js';
import type { TransferConfig } from './transfer.js';

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
  readonly counts?: PumpCounts;
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
  /** The native data pump, or null to run every transfer on Node's sockets. */
  readonly nativePumps: NativePumps | null;
}

const unknownTid = encodeTftp({ kind: 'error', code: TftpErrorCode.unknownTid, message: 'Unknown transfer ID' });

export class ReadSession {
  readonly client: TftpClient;
  readonly request: Buffer;
  readonly path: string;
  readonly done: Promise<SessionResult>;

  readonly #settings: SessionSettings;
  readonly #parsed: TftpRequest;
  readonly #log: Logger;
  readonly #started = performance.now();
  #resolve!: (result: SessionResult) => void;
  #ended = false;
  #port: TransferPort | null = null;
  #file: TftpFile | null = null;
  #config: TransferConfig | null = null;
  #pump: TransferPump | null = null;

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

  /** Whether the client has sent anything to this transfer's port; until then a repeated RRQ is a retransmission. */
  get heard(): boolean {
    return this.#pump?.heard ?? false;
  }

  /** Binds the transfer's port, opens the file, negotiates and starts the pump. Never rejects. */
  async start(): Promise<void> {
    try {
      const port = await openTransferPort(this.#settings.address, this.client, this.#settings.ports);
      if (this.#ended) {
        port.close();
        return;
      }
      this.#port = port;
      port.stray.on('message', (_msg, rinfo) => this.#onStray(rinfo));
      port.stray.on('error', (error) => this.#onStrayError(error));

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
      await this.#run(port, this.#file);
    } catch (error) {
      await this.#fail(error);
    }
  }

  /** Ends the transfer from our side (server shutdown), telling the client why. */
  async abort(message: string): Promise<void> {
    if (this.#ended) return;
    if (this.#pump !== null) {
      this.#pump.abort(message);
      await this.done;
      return;
    }
    await this.#sendFinal(encodeTftp({ kind: 'error', code: TftpErrorCode.notDefined, message }));
    this.#end('aborted', message);
  }

  async #run(port: TransferPort, file: TftpFile): Promise<void> {
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
    const job: PumpJob = {
      config,
      oack: config.oack ? encodeTftp({ kind: 'oack', options: negotiated.oack }) : null,
      onMalformed: this.#settings.onMalformed,
    };
    const native = this.#settings.nativePumps;
    let pump: TransferPump;
    if (native !== null && native.canPump(file)) {
      pump = native.start({ address: this.#settings.address, port: port.port, client: this.client }, file, job);
    } else {
      const peer = await port.connectPeer();
      if (this.#ended) return;
      pump = new JsPump(peer, file, job, this.#log);
    }
    this.#pump = pump;
    const result: PumpResult = await pump.done;
    this.#end(result.outcome, result.detail, result.acked, result.counts);
  }

  /** RFC 1350 §4: a stranger gets ERROR 5 and the transfer goes on undisturbed. */
  #onStray(rinfo: RemoteInfo): void {
    if (this.#ended) return;
    this.#log.debug('tftp packet from unknown TID', { from: `${rinfo.address}:${rinfo.port}` });
    this.#port?.stray.send(unknownTid, rinfo.port, rinfo.address, ignoreSendError);
  }

  #onStrayError(error: NodeJS.ErrnoException): void {
    // The twin only answers strangers; its failure must not end the client's transfer.
    this.#log.debug('tftp stray socket error', { error });
  }

  async #refuse(outcome: SessionOutcome, code: number, message: string, detail?: string): Promise<void> {
    await this.#sendFinal(encodeTftp({ kind: 'error', code, message }));
    this.#end(outcome, detail ?? message);
  }

  async #fail(error: unknown): Promise<void> {
    if (this.#ended) return;
    if (this.#pump !== null) {
      // The pump owns the client's socket now; it ends the transfer and reports.
      this.#log.debug('tftp session failed', { error });
      this.#pump.abort('Server error');
      return;
    }
    const detail = error instanceof Error ? error.message : String(error);
    this.#log.debug('tftp transfer failed', { error });
    await this.#sendFinal(encodeTftp({ kind: 'error', code: TftpErrorCode.notDefined, message: 'Server error' }));
    this.#end('error', detail);
  }

  /** Before a pump exists, packets to the client leave from the port's twin, addressed (same port, same TID). */
  #sendFinal(buf: Buffer): Promise<void> {
    const stray = this.#port?.stray;
    if (stray === undefined || this.#ended) return Promise.resolve();
    return new Promise((resolve) => {
      try {
        stray.send(buf, this.client.port, this.client.address, () => resolve());
      } catch {
        resolve();
      }
    });
  }

  #end(outcome: SessionOutcome, detail?: string, acked = 0, counts?: PumpCounts): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#port?.close();
    const file = this.#file;
    if (file !== null) file.close().catch(() => undefined);
    const config = this.#config;
    const bytes = config === null ? 0 : outcome === 'complete' ? config.size : Math.min(config.size, acked * config.blksize);
    this.#resolve({
      outcome,
      path: this.path,
      bytes,
      ms: Math.round(performance.now() - this.#started),
      blksize: config?.blksize ?? DEFAULT_BLKSIZE,
      windowsize: config?.windowsize ?? 1,
      ...(detail === undefined ? {} : { detail }),
      ...(counts === undefined ? {} : { counts }),
    });
  }
}

function ignoreSendError(): void {
  // ERROR 5 to a stranger is a courtesy; losing it changes nothing.
}
