// A minimal iSCSI initiator over a raw TCP socket for server tests (RFC 7143 §11 PDUs, §6 login): request headers
// are built by hand here, byte by byte, and target PDUs are cut and read without the code under test, so a test
// checks the server against the RFC rather than against its own encoder.
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import type { Socket } from 'node:net';

/** Opcodes (RFC 7143 §11.1.1, §11.1.2), written out here rather than imported from src. */
export const Op = {
  nopOut: 0x00,
  scsiCommand: 0x01,
  taskRequest: 0x02,
  loginRequest: 0x03,
  textRequest: 0x04,
  dataOut: 0x05,
  logoutRequest: 0x06,
  snack: 0x10,
  nopIn: 0x20,
  scsiResponse: 0x21,
  taskResponse: 0x22,
  loginResponse: 0x23,
  textResponse: 0x24,
  dataIn: 0x25,
  logoutResponse: 0x26,
  r2t: 0x31,
  asyncMessage: 0x32,
  reject: 0x3f,
} as const;

/** Opcodes a target may send: anything else coming back is a server bug. */
export const TARGET_OPCODES: ReadonlySet<number> = new Set([0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x31, 0x32, 0x3f]);

export const RESERVED_TAG = 0xffffffff;
export const BHS_BYTES = 48;
const WAIT_MS = 5_000;

export const pad4 = (n: number): number => (n + 3) & ~3;

// ---- request headers (RFC 7143 §11.3 to §11.16), all 48 bytes, DataSegmentLength set from `dataLength` ----

interface Common {
  readonly immediate?: boolean;
  readonly dataLength?: number;
  readonly itt: number;
}

function header(opcode: number, flags: number, c: Common): Buffer {
  const bhs = Buffer.alloc(BHS_BYTES);
  bhs[0] = opcode | (c.immediate === true ? 0x40 : 0);
  bhs[1] = flags;
  setDataLength(bhs, c.dataLength ?? 0);
  bhs.writeUInt32BE(c.itt >>> 0, 16);
  return bhs;
}

/** Writes DataSegmentLength (bytes 5-7, 24 bits). */
export function setDataLength(bhs: Buffer, length: number): void {
  bhs[5] = (length >>> 16) & 0xff;
  bhs[6] = (length >>> 8) & 0xff;
  bhs[7] = length & 0xff;
}

export const dataLengthOf = (bhs: Buffer): number => (bhs[5]! << 16) | (bhs[6]! << 8) | bhs[7]!;

/** Login Request (§11.12): T, C, CSG, NSG in byte 1; ISID at 8; TSIH at 14; CID at 20; CmdSN, ExpStatSN. */
export function loginRequest(f: {
  readonly transit: boolean;
  readonly cont?: boolean;
  readonly csg: number;
  readonly nsg: number;
  readonly isid: Buffer;
  readonly tsih?: number;
  readonly itt: number;
  readonly cid?: number;
  readonly cmdSN: number;
  readonly expStatSN: number;
  readonly dataLength: number;
}): Buffer {
  const flags = (f.transit ? 0x80 : 0) | (f.cont === true ? 0x40 : 0) | ((f.csg & 3) << 2) | (f.nsg & 3);
  const bhs = header(Op.loginRequest, flags, { immediate: true, itt: f.itt, dataLength: f.dataLength });
  bhs[2] = 0; // Version-max
  bhs[3] = 0; // Version-min
  f.isid.copy(bhs, 8, 0, 6);
  bhs.writeUInt16BE(f.tsih ?? 0, 14);
  bhs.writeUInt16BE(f.cid ?? 0, 20);
  bhs.writeUInt32BE(f.cmdSN >>> 0, 24);
  bhs.writeUInt32BE(f.expStatSN >>> 0, 28);
  return bhs;
}

/** SCSI Command (§11.3): F, R, W, ATTR in byte 1; LUN; EDTL at 20; CmdSN; ExpStatSN; CDB at 32. */
export function scsiCommand(f: Common & {
  readonly read?: boolean;
  readonly write?: boolean;
  readonly lun?: bigint;
  readonly expectedLength: number;
  readonly cmdSN: number;
  readonly expStatSN: number;
  readonly cdb: Buffer;
}): Buffer {
  const flags = 0x80 | (f.read === true ? 0x40 : 0) | (f.write === true ? 0x20 : 0) | 0x01; // ATTR 1: simple
  const bhs = header(Op.scsiCommand, flags, f);
  bhs.writeBigUInt64BE(f.lun ?? 0n, 8);
  bhs.writeUInt32BE(f.expectedLength >>> 0, 20);
  bhs.writeUInt32BE(f.cmdSN >>> 0, 24);
  bhs.writeUInt32BE(f.expStatSN >>> 0, 28);
  f.cdb.copy(bhs, 32, 0, Math.min(16, f.cdb.length));
  return bhs;
}

/** SCSI Data-Out (§11.7): F; LUN; TTT at 20; ExpStatSN; DataSN at 36; Buffer Offset at 40. */
export function dataOut(f: Common & {
  readonly final: boolean;
  readonly lun?: bigint;
  readonly ttt: number;
  readonly expStatSN: number;
  readonly dataSN: number;
  readonly bufferOffset: number;
}): Buffer {
  const bhs = header(Op.dataOut, f.final ? 0x80 : 0, f);
  bhs.writeBigUInt64BE(f.lun ?? 0n, 8);
  bhs.writeUInt32BE(f.ttt >>> 0, 20);
  bhs.writeUInt32BE(f.expStatSN >>> 0, 28);
  bhs.writeUInt32BE(f.dataSN >>> 0, 36);
  bhs.writeUInt32BE(f.bufferOffset >>> 0, 40);
  return bhs;
}

/** NOP-Out (§11.18): F always; LUN; TTT at 20; CmdSN; ExpStatSN. */
export function nopOut(f: Common & { readonly lun?: bigint; readonly ttt?: number; readonly cmdSN: number; readonly expStatSN: number }): Buffer {
  const bhs = header(Op.nopOut, 0x80, f);
  bhs.writeBigUInt64BE(f.lun ?? 0n, 8);
  bhs.writeUInt32BE((f.ttt ?? RESERVED_TAG) >>> 0, 20);
  bhs.writeUInt32BE(f.cmdSN >>> 0, 24);
  bhs.writeUInt32BE(f.expStatSN >>> 0, 28);
  return bhs;
}

/** Text Request (§11.10): F, C; TTT at 20; CmdSN; ExpStatSN. */
export function textRequest(f: Common & { readonly final?: boolean; readonly cont?: boolean; readonly ttt?: number; readonly cmdSN: number; readonly expStatSN: number }): Buffer {
  const bhs = header(Op.textRequest, (f.final === false ? 0 : 0x80) | (f.cont === true ? 0x40 : 0), f);
  bhs.writeUInt32BE((f.ttt ?? RESERVED_TAG) >>> 0, 20);
  bhs.writeUInt32BE(f.cmdSN >>> 0, 24);
  bhs.writeUInt32BE(f.expStatSN >>> 0, 28);
  return bhs;
}

/** Task Management Function Request (§11.5): 1 and Function in byte 1; LUN; Referenced Task Tag at 20; RefCmdSN at 32. */
export function taskRequest(f: Common & {
  readonly fn: number;
  readonly lun?: bigint;
  readonly referencedTag?: number;
  readonly cmdSN: number;
  readonly expStatSN: number;
  readonly refCmdSN?: number;
}): Buffer {
  const bhs = header(Op.taskRequest, 0x80 | (f.fn & 0x7f), f);
  bhs.writeBigUInt64BE(f.lun ?? 0n, 8);
  bhs.writeUInt32BE((f.referencedTag ?? RESERVED_TAG) >>> 0, 20);
  bhs.writeUInt32BE(f.cmdSN >>> 0, 24);
  bhs.writeUInt32BE(f.expStatSN >>> 0, 28);
  bhs.writeUInt32BE((f.refCmdSN ?? 0) >>> 0, 32);
  return bhs;
}

/** Logout Request (§11.14): 1 and Reason Code in byte 1; CID at 20; CmdSN; ExpStatSN. */
export function logoutRequest(f: Common & { readonly reason: number; readonly cid?: number; readonly cmdSN: number; readonly expStatSN: number }): Buffer {
  const bhs = header(Op.logoutRequest, 0x80 | (f.reason & 0x7f), f);
  bhs.writeUInt16BE(f.cid ?? 0, 20);
  bhs.writeUInt32BE(f.cmdSN >>> 0, 24);
  bhs.writeUInt32BE(f.expStatSN >>> 0, 28);
  return bhs;
}

/** A PDU for the wire: the header, `ahs` as it is, the data segment padded to 4 bytes (no digests). */
export function frame(bhs: Buffer, data: Buffer = Buffer.alloc(0), ahs: Buffer = Buffer.alloc(0)): Buffer {
  const fill = pad4(data.length) - data.length;
  return Buffer.concat([bhs, ahs, data, Buffer.alloc(fill)]);
}

/** "key=value\0" pairs (RFC 7143 §6.1). */
export function textKeys(keys: ReadonlyArray<readonly [string, string]>): Buffer {
  return Buffer.from(keys.map(([k, v]) => `${k}=${v}\0`).join(''), 'utf8');
}

export function parseKeys(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of data.toString('utf8').split('\0')) {
    if (item === '') continue;
    const at = item.indexOf('=');
    out.set(at < 0 ? item : item.slice(0, at), at < 0 ? '' : item.slice(at + 1));
  }
  return out;
}

// ---- CDBs (SBC-3, SPC-4) ----

export const cdb = {
  testUnitReady: (): Buffer => Buffer.alloc(6),
  inquiry(allocation: number): Buffer {
    const b = Buffer.alloc(6);
    b[0] = 0x12;
    b.writeUInt16BE(allocation, 3);
    return b;
  },
  readCapacity10: (): Buffer => Buffer.from([0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
  read10(lba: number, blocks: number): Buffer {
    const b = Buffer.alloc(10);
    b[0] = 0x28;
    b.writeUInt32BE(lba, 2);
    b.writeUInt16BE(blocks, 7);
    return b;
  },
  write10(lba: number, blocks: number): Buffer {
    const b = Buffer.alloc(10);
    b[0] = 0x2a;
    b.writeUInt32BE(lba, 2);
    b.writeUInt16BE(blocks, 7);
    return b;
  },
};

// ---- target PDUs as received ----

export interface Pdu {
  /** Position in the connection's arrival order, from 0. */
  readonly seq: number;
  readonly bhs: Buffer;
  readonly ahs: Buffer;
  readonly data: Buffer;
  readonly opcode: number;
  readonly flags: number;
  readonly itt: number;
  /** Bytes 20-23: TTT in NOP-In, R2T, Text and Data-In. */
  readonly ttt: number;
  readonly statSN: number;
  readonly expCmdSN: number;
  readonly maxCmdSN: number;
}

function readPdu(seq: number, bhs: Buffer, ahs: Buffer, data: Buffer): Pdu {
  return {
    seq,
    bhs,
    ahs,
    data,
    opcode: bhs[0]! & 0x3f,
    flags: bhs[1]!,
    itt: bhs.readUInt32BE(16),
    ttt: bhs.readUInt32BE(20),
    statSN: bhs.readUInt32BE(24),
    expCmdSN: bhs.readUInt32BE(28),
    maxCmdSN: bhs.readUInt32BE(32),
  };
}

export interface LoginOptions {
  readonly initiatorName: string;
  /** Required for a normal session. */
  readonly targetName?: string;
  readonly sessionType?: 'Normal' | 'Discovery';
  readonly isid?: Buffer;
  /** Straight to the operational stage (CSG=1, NSG=3) in one PDU, skipping the security stage. */
  readonly direct?: boolean;
  /** Operational keys sent on the PDU that asks for full feature phase. */
  readonly keys?: ReadonlyArray<readonly [string, string]>;
  /** CHAP (MD5) in the security stage instead of AuthMethod=None (RFC 7143 §12.1.3). */
  readonly chap?: { readonly user: string; readonly secret: string };
}

export interface LoginResult {
  /** Status-Class and Status-Detail of the last Login Response (RFC 7143 §11.13.5). */
  readonly statusClass: number;
  readonly statusDetail: number;
  /** True when the last response moved to full feature phase with status 0. */
  readonly ok: boolean;
  readonly tsih: number;
  /** Every key the target answered, over all login responses. */
  readonly keys: Map<string, string>;
  readonly responses: Pdu[];
}

export interface ScsiOutcome {
  readonly status: number;
  /** The SCSI Response, or the last Data-In when the status came with the data (phase collapse). */
  readonly final: Pdu;
  /** Data-In bytes, placed at their buffer offsets. */
  readonly data: Buffer;
  /** Sense data without its 2-byte length, when a SCSI Response carried some. */
  readonly sense: Buffer | null;
  readonly r2ts: Pdu[];
  readonly dataIns: Pdu[];
}

export interface ScsiOptions {
  readonly read?: number;
  /** Data-Out the command writes; sent as immediate data up to `immediate` bytes, the rest on R2Ts. */
  readonly write?: Buffer;
  readonly immediate?: number;
  readonly lun?: bigint;
  readonly itt?: number;
}

/** An iSCSI connection to a target, with its numbering (CmdSN, ExpStatSN) kept as an initiator keeps them. */
export class RawInitiator {
  readonly socket: Socket;
  /** PDUs received and not yet dropped by forget(). */
  readonly received: Pdu[] = [];
  readonly closed: Promise<void>;
  cmdSN = 1;
  expStatSN = 0;
  /** The target's MaxRecvDataSegmentLength (its declaration at login; 8192 until then). */
  targetMaxRecv = 8192;
  #isClosed = false;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #seq = 0;
  #itt = 1;
  #waiters = new Set<() => void>();
  /** Set when the target sent bytes that do not cut into PDUs; tests assert it stays null. */
  framingError: string | null = null;

  private constructor(socket: Socket) {
    this.socket = socket;
    this.closed = new Promise<void>((resolve) =>
      socket.once('close', () => {
        this.#isClosed = true;
        this.#wake();
        resolve();
      }),
    );
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
  }

  static connect(port: number): Promise<RawInitiator> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.setNoDelay(true);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawInitiator(socket));
      });
    });
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** A fresh Initiator Task Tag (never the reserved 0xffffffff). */
  nextItt(): number {
    const itt = this.#itt;
    this.#itt = (this.#itt + 1) % 0x7fffffff || 1;
    return itt;
  }

  write(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  send(bhs: Buffer, data?: Buffer, ahs?: Buffer): void {
    this.write(frame(bhs, data, ahs));
  }

  /** Drops what was received so far (long fuzz runs); sequence numbers go on. */
  forget(): void {
    this.received.length = 0;
  }

  close(): void {
    this.socket.destroy();
  }

  /** The first PDU at or after `from` (a seq) that `match` accepts; rejects on close or after `timeoutMs`. */
  waitFor(match: (pdu: Pdu) => boolean, what: string, options: { readonly from?: number; readonly timeoutMs?: number } = {}): Promise<Pdu> {
    const from = options.from ?? 0;
    const timeoutMs = options.timeoutMs ?? WAIT_MS;
    const find = (): Pdu | undefined => this.received.find((p) => p.seq >= from && match(p));
    const found = find();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      const check = (): void => {
        const pdu = find();
        if (pdu !== undefined) {
          done();
          resolve(pdu);
        } else if (this.#isClosed) {
          done();
          reject(new Error(`connection closed while waiting for ${what}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }

  /** Resolves true when the connection closes within `timeoutMs`, false if it is still open then. */
  async closesWithin(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const result = await Promise.race([this.closed.then(() => true as const), timeout]);
    clearTimeout(timer);
    return result;
  }

  /** The seq the next PDU will get: pass as `from` to wait only for what comes after now. */
  get mark(): number {
    return this.#seq;
  }

  /** Logs in: security stage with AuthMethod=None then operational to full feature, or directly (CSG=1 NSG=3). */
  async login(o: LoginOptions): Promise<LoginResult> {
    const isid = o.isid ?? Buffer.from([0x80, 0x12, 0x34, 0x56, 0x00, 0x01]);
    const type = o.sessionType ?? 'Normal';
    const identity: Array<readonly [string, string]> = [['InitiatorName', o.initiatorName], ['SessionType', type]];
    if (o.targetName !== undefined) identity.push(['TargetName', o.targetName]);
    type Step = { csg: number; nsg: number; transit: boolean; keys: (answers: Map<string, string>) => Array<readonly [string, string]> };
    const fixed = (csg: number, nsg: number, keys: Array<readonly [string, string]>, transit = true): Step => ({ csg, nsg, transit, keys: () => keys });
    const chap = o.chap;
    const steps: Step[] = o.direct === true
      ? [fixed(1, 3, [...identity, ...(o.keys ?? [])])]
      : chap === undefined
        ? [fixed(0, 1, [...identity, ['AuthMethod', 'None']]), fixed(1, 3, [...(o.keys ?? [])])]
        : [
            fixed(0, 0, [...identity, ['AuthMethod', 'CHAP']], false),
            fixed(0, 0, [['CHAP_A', '5']], false),
            {
              csg: 0,
              nsg: 1,
              transit: true,
              keys: (answers) => {
                const id = Number(answers.get('CHAP_I'));
                const challenge = Buffer.from((answers.get('CHAP_C') ?? '').replace(/^0x/i, ''), 'hex');
                const response = createHash('md5').update(Buffer.from([id])).update(chap.secret).update(challenge).digest('hex');
                return [['CHAP_N', chap.user], ['CHAP_R', `0x${response}`]];
              },
            },
            fixed(1, 3, [...(o.keys ?? [])]),
          ];
    const itt = this.nextItt();
    const responses: Pdu[] = [];
    const keys = new Map<string, string>();
    let last: Pdu | null = null;
    for (const step of steps) {
      const body = textKeys(step.keys(keys));
      const from = this.mark;
      this.send(loginRequest({ transit: step.transit, csg: step.csg, nsg: step.nsg, isid, itt, cmdSN: this.cmdSN, expStatSN: this.expStatSN, dataLength: body.length }), body);
      last = await this.waitFor((p) => p.opcode === Op.loginResponse && p.itt === itt, 'a Login Response', { from });
      responses.push(last);
      this.expStatSN = (last.statSN + 1) >>> 0;
      for (const [k, v] of parseKeys(last.data)) keys.set(k, v);
      if (last.bhs[36] !== 0 || (step.transit && (last.flags & 0x80) === 0)) break;
    }
    const r = last!;
    const ok = r.bhs[36] === 0 && r.bhs[37] === 0 && (r.flags & 0x80) !== 0 && (r.flags & 3) === 3;
    if (ok) {
      this.cmdSN = r.expCmdSN;
      const declared = Number(keys.get('MaxRecvDataSegmentLength'));
      if (Number.isSafeInteger(declared) && declared > 0) this.targetMaxRecv = declared;
    }
    return { statusClass: r.bhs[36]!, statusDetail: r.bhs[37]!, ok, tsih: r.bhs.readUInt16BE(14), keys, responses };
  }

  /**
   * Runs one SCSI command to its end: Data-Out on each R2T (in PDUs of at most the target's declared length),
   * Data-In gathered at their offsets, the status from the SCSI Response or from the last Data-In.
   */
  async scsi(commandCdb: Buffer, o: ScsiOptions = {}): Promise<ScsiOutcome> {
    const itt = o.itt ?? this.nextItt();
    const out = o.write ?? null;
    const expectedLength = out !== null ? out.length : (o.read ?? 0);
    const immediate = out === null ? Buffer.alloc(0) : out.subarray(0, Math.min(out.length, o.immediate ?? 0));
    const from = this.mark;
    const cmdSN = this.cmdSN;
    this.cmdSN = (this.cmdSN + 1) >>> 0;
    this.send(
      scsiCommand({ itt, read: o.read !== undefined, write: out !== null, lun: o.lun, expectedLength, cmdSN, expStatSN: this.expStatSN, cdb: commandCdb, dataLength: immediate.length }),
      immediate,
    );
    const data = Buffer.alloc(o.read ?? 0);
    const r2ts: Pdu[] = [];
    const dataIns: Pdu[] = [];
    let cursor = from;
    for (;;) {
      const pdu = await this.waitFor(
        (p) => p.itt === itt && (p.opcode === Op.scsiResponse || p.opcode === Op.dataIn || p.opcode === Op.r2t),
        `the end of command ITT ${itt}`,
        { from: cursor },
      );
      cursor = pdu.seq + 1;
      if (pdu.opcode === Op.r2t) {
        r2ts.push(pdu);
        if (out === null) throw new Error('R2T for a command with no Data-Out');
        this.sendData(itt, pdu, out, o.lun);
        continue;
      }
      if (pdu.opcode === Op.dataIn) {
        dataIns.push(pdu);
        pdu.data.copy(data, pdu.bhs.readUInt32BE(40));
        this.#tookStatus(pdu);
        if ((pdu.flags & 0x01) !== 0) return { status: pdu.bhs[3]!, final: pdu, data, sense: null, r2ts, dataIns };
        continue;
      }
      this.#tookStatus(pdu);
      const sense = pdu.data.length >= 2 ? pdu.data.subarray(2, 2 + pdu.data.readUInt16BE(0)) : null;
      return { status: pdu.bhs[3]!, final: pdu, data, sense, r2ts, dataIns };
    }
  }

  /** The Data-Out PDUs that answer one R2T: its range of `out`, cut at the target's MaxRecvDataSegmentLength. */
  sendData(itt: number, r2t: Pdu, out: Buffer, lun?: bigint): void {
    const offset = r2t.bhs.readUInt32BE(40);
    const length = r2t.bhs.readUInt32BE(44);
    let dataSN = 0;
    for (let at = offset; at < offset + length; ) {
      const n = Math.min(this.targetMaxRecv, offset + length - at);
      const piece = out.subarray(at, at + n);
      this.send(dataOut({ itt, final: at + n === offset + length, lun, ttt: r2t.ttt, expStatSN: this.expStatSN, dataSN: dataSN++, bufferOffset: at, dataLength: piece.length }), piece);
      at += n;
    }
  }

  /** NOP-Out ping (immediate, so outside the command window) and its NOP-In. */
  async ping(data: Buffer = Buffer.alloc(0), timeoutMs?: number): Promise<Pdu> {
    const itt = this.nextItt();
    const from = this.mark;
    this.send(nopOut({ immediate: true, itt, cmdSN: this.cmdSN, expStatSN: this.expStatSN, dataLength: data.length }), data);
    const pdu = await this.waitFor((p) => p.opcode === Op.nopIn && p.itt === itt, `NOP-In for ITT ${itt}`, { from, timeoutMs });
    this.#tookStatus(pdu);
    return pdu;
  }

  #tookStatus(pdu: Pdu): void {
    // Data-In carries a StatSN only with status; R2T never advances it.
    if (pdu.opcode === Op.dataIn && (pdu.flags & 0x01) === 0) return;
    if (pdu.opcode === Op.r2t) return;
    this.expStatSN = (pdu.statSN + 1) >>> 0;
  }

  #wake(): void {
    for (const check of [...this.#waiters]) check();
  }

  #onData(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    let got = false;
    while (this.#buffered >= BHS_BYTES && this.framingError === null) {
      const first = this.#chunks[0]!;
      const head = first.length >= BHS_BYTES ? first : Buffer.concat(this.#chunks, BHS_BYTES);
      const ahsBytes = head[4]! * 4;
      const dataLength = dataLengthOf(head);
      const total = BHS_BYTES + ahsBytes + pad4(dataLength);
      if (this.#buffered < total) break;
      // Only now, with the whole PDU in, are the chunks joined (a long Data-In arrives in many).
      const all = this.#chunks.length === 1 ? first : Buffer.concat(this.#chunks);
      const bhs = Buffer.from(all.subarray(0, BHS_BYTES));
      const ahs = Buffer.from(all.subarray(BHS_BYTES, BHS_BYTES + ahsBytes));
      const data = Buffer.from(all.subarray(BHS_BYTES + ahsBytes, BHS_BYTES + ahsBytes + dataLength));
      this.#chunks = all.length > total ? [all.subarray(total)] : [];
      this.#buffered -= total;
      const pdu = readPdu(this.#seq++, bhs, ahs, data);
      if (!TARGET_OPCODES.has(pdu.opcode)) this.framingError = `opcode 0x${pdu.opcode.toString(16)} from the target`;
      this.received.push(pdu);
      got = true;
    }
    if (got) this.#wake();
  }
}
