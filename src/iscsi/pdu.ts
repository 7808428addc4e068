// iSCSI PDUs (RFC 7143 §11): the 48-byte Basic Header Segment of what initiators send, decoded, and of what a
// target sends, encoded. Pure; framing, digests and data segments are pdu-framer.ts's.
//
// Decoding reads only fields the target uses; bytes a PDU reserves are not checked (RFC 7143 §11.2: senders set
// them to zero, receivers ignore them), so a strict check would only refuse initiators that pass odd values on.

export const BHS_BYTES = 48;
/** The Target Transfer Tag and Initiator Task Tag value that means "none" (RFC 7143 §11.2.1.7). */
export const RESERVED_TAG = 0xffffffff;

export const Opcode = {
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
export type OpcodeValue = (typeof Opcode)[keyof typeof Opcode];

const OPCODE_NAMES = new Map<number, string>(Object.entries(Opcode).map(([name, value]) => [value, name]));
export const opcodeName = (op: number): string => OPCODE_NAMES.get(op) ?? `opcode 0x${op.toString(16)}`;

/** Login stages (RFC 7143 §11.12.3 CSG/NSG). */
export const Stage = { security: 0, operational: 1, fullFeature: 3 } as const;
export type StageValue = 0 | 1 | 3;

/** Reject reasons (RFC 7143 §11.17.1). */
export const RejectReason = {
  dataDigestError: 0x02,
  snackReject: 0x03,
  protocolError: 0x04,
  commandNotSupported: 0x05,
  immediateCommandReject: 0x06,
  taskInProgress: 0x07,
  invalidDataAck: 0x08,
  invalidPduField: 0x09,
  longOpReject: 0x0a,
  waitingForLogout: 0x0c,
} as const;

/** Task management functions (RFC 7143 §11.5.1) and responses (§11.6.1). */
export const TaskFunction = {
  abortTask: 1,
  abortTaskSet: 2,
  clearAca: 3,
  clearTaskSet: 4,
  logicalUnitReset: 5,
  targetWarmReset: 6,
  targetColdReset: 7,
  taskReassign: 8,
} as const;
export const TaskResponse = {
  complete: 0,
  noSuchTask: 1,
  noSuchLun: 2,
  stillAllegiant: 3,
  reassignNotSupported: 4,
  notSupported: 5,
  authorizationFailed: 6,
  rejected: 255,
} as const;

interface Common {
  readonly immediate: boolean;
  readonly final: boolean;
  /** TotalAHSLength in bytes and DataSegmentLength, as the header announces them. */
  readonly ahsBytes: number;
  readonly dataLength: number;
  readonly itt: number;
}

export interface LoginRequest extends Common {
  readonly kind: 'login';
  readonly op: typeof Opcode.loginRequest;
  readonly transit: boolean;
  readonly cont: boolean;
  readonly csg: number;
  readonly nsg: number;
  readonly versionMax: number;
  readonly versionMin: number;
  readonly isid: Buffer;
  readonly tsih: number;
  readonly cid: number;
  readonly cmdSN: number;
  readonly expStatSN: number;
}

export interface ScsiCommand extends Common {
  readonly kind: 'command';
  readonly op: typeof Opcode.scsiCommand;
  readonly read: boolean;
  readonly write: boolean;
  readonly attr: number;
  readonly lun: bigint;
  readonly expectedLength: number;
  readonly cmdSN: number;
  readonly expStatSN: number;
  readonly cdb: Buffer;
}

export interface DataOut extends Common {
  readonly kind: 'dataOut';
  readonly op: typeof Opcode.dataOut;
  readonly lun: bigint;
  readonly ttt: number;
  readonly expStatSN: number;
  readonly dataSN: number;
  readonly bufferOffset: number;
}

export interface NopOut extends Common {
  readonly kind: 'nopOut';
  readonly op: typeof Opcode.nopOut;
  readonly lun: bigint;
  readonly ttt: number;
  readonly cmdSN: number;
  readonly expStatSN: number;
}

export interface TextRequest extends Common {
  readonly kind: 'text';
  readonly op: typeof Opcode.textRequest;
  readonly cont: boolean;
  readonly lun: bigint;
  readonly ttt: number;
  readonly cmdSN: number;
  readonly expStatSN: number;
}

export interface TaskRequest extends Common {
  readonly kind: 'task';
  readonly op: typeof Opcode.taskRequest;
  readonly fn: number;
  readonly lun: bigint;
  readonly referencedTag: number;
  readonly cmdSN: number;
  readonly expStatSN: number;
  readonly refCmdSN: number;
}

export interface LogoutRequest extends Common {
  readonly kind: 'logout';
  readonly op: typeof Opcode.logoutRequest;
  readonly reason: number;
  readonly cid: number;
  readonly cmdSN: number;
  readonly expStatSN: number;
}

/** SNACK and any opcode a target does not receive: decoded far enough to be rejected. */
export interface OtherRequest extends Common {
  readonly kind: 'other';
  readonly op: number;
  readonly cmdSN: number;
}

export type InitiatorPdu = LoginRequest | ScsiCommand | DataOut | NopOut | TextRequest | TaskRequest | LogoutRequest | OtherRequest;

/** The length fields of a BHS, all a framer needs before the rest of the PDU is in. */
export function bhsLengths(bhs: Uint8Array): { readonly ahsBytes: number; readonly dataLength: number } {
  return { ahsBytes: bhs[4]! * 4, dataLength: (bhs[5]! << 16) | (bhs[6]! << 8) | bhs[7]! };
}

/**
 * `bhs` is at least BHS_BYTES long. Every PDU of a kind is built as one object literal with its fields in one
 * order (no spreads), so that V8 gives each kind one shape: this runs once per PDU, on the hot path.
 */
export function decodeBhs(bhs: Buffer): InitiatorPdu {
  const op = bhs[0]! & 0x3f;
  const flags = bhs[1]!;
  const immediate = (bhs[0]! & 0x40) !== 0;
  const final = (flags & 0x80) !== 0;
  const ahsBytes = bhs[4]! * 4;
  const dataLength = (bhs[5]! << 16) | (bhs[6]! << 8) | bhs[7]!;
  const itt = bhs.readUInt32BE(16);
  switch (op) {
    case Opcode.loginRequest:
      return {
        kind: 'login', op, immediate, final, ahsBytes, dataLength, itt,
        transit: (flags & 0x80) !== 0,
        cont: (flags & 0x40) !== 0,
        csg: (flags >> 2) & 3,
        nsg: flags & 3,
        versionMax: bhs[2]!,
        versionMin: bhs[3]!,
        isid: Buffer.from(bhs.subarray(8, 14)),
        tsih: bhs.readUInt16BE(14),
        cid: bhs.readUInt16BE(20),
        cmdSN: bhs.readUInt32BE(24),
        expStatSN: bhs.readUInt32BE(28),
      };
    case Opcode.scsiCommand:
      return {
        kind: 'command', op, immediate, final, ahsBytes, dataLength, itt,
        read: (flags & 0x40) !== 0,
        write: (flags & 0x20) !== 0,
        attr: flags & 7,
        lun: bhs.readBigUInt64BE(8),
        expectedLength: bhs.readUInt32BE(20),
        cmdSN: bhs.readUInt32BE(24),
        expStatSN: bhs.readUInt32BE(28),
        cdb: Buffer.from(bhs.subarray(32, 48)),
      };
    case Opcode.dataOut:
      return {
        kind: 'dataOut', op, immediate, final, ahsBytes, dataLength, itt,
        lun: bhs.readBigUInt64BE(8), ttt: bhs.readUInt32BE(20), expStatSN: bhs.readUInt32BE(28), dataSN: bhs.readUInt32BE(36), bufferOffset: bhs.readUInt32BE(40),
      };
    case Opcode.nopOut:
      return { kind: 'nopOut', op, immediate, final, ahsBytes, dataLength, itt, lun: bhs.readBigUInt64BE(8), ttt: bhs.readUInt32BE(20), cmdSN: bhs.readUInt32BE(24), expStatSN: bhs.readUInt32BE(28) };
    case Opcode.textRequest:
      return {
        kind: 'text', op, immediate, final, ahsBytes, dataLength, itt,
        cont: (flags & 0x40) !== 0, lun: bhs.readBigUInt64BE(8), ttt: bhs.readUInt32BE(20), cmdSN: bhs.readUInt32BE(24), expStatSN: bhs.readUInt32BE(28),
      };
    case Opcode.taskRequest:
      return {
        kind: 'task', op, immediate, final, ahsBytes, dataLength, itt,
        fn: flags & 0x7f,
        lun: bhs.readBigUInt64BE(8),
        referencedTag: bhs.readUInt32BE(20),
        cmdSN: bhs.readUInt32BE(24),
        expStatSN: bhs.readUInt32BE(28),
        refCmdSN: bhs.readUInt32BE(32),
      };
    case Opcode.logoutRequest:
      return { kind: 'logout', op, immediate, final, ahsBytes, dataLength, itt, reason: flags & 0x7f, cid: bhs.readUInt16BE(20), cmdSN: bhs.readUInt32BE(24), expStatSN: bhs.readUInt32BE(28) };
    default:
      return { kind: 'other', op, immediate, final, ahsBytes, dataLength, itt, cmdSN: bhs.readUInt32BE(24) };
  }
}

/** Sequence numbers every target PDU after login carries (RFC 7143 §4.2.2.2). */
export interface Window {
  readonly expCmdSN: number;
  readonly maxCmdSN: number;
}

function header(op: OpcodeValue, flags: number, dataLength: number, itt: number): Buffer {
  if (dataLength < 0 || dataLength > 0xffffff) throw new RangeError(`data segment of ${dataLength} bytes`);
  const bhs = Buffer.alloc(BHS_BYTES);
  bhs[0] = op;
  bhs[1] = flags;
  bhs[5] = dataLength >>> 16;
  bhs[6] = (dataLength >>> 8) & 0xff;
  bhs[7] = dataLength & 0xff;
  bhs.writeUInt32BE(itt >>> 0, 16);
  return bhs;
}

function windowAt(bhs: Buffer, w: Window): void {
  bhs.writeUInt32BE(w.expCmdSN >>> 0, 28);
  bhs.writeUInt32BE(w.maxCmdSN >>> 0, 32);
}

export interface LoginResponseFields {
  readonly transit: boolean;
  readonly cont: boolean;
  readonly csg: number;
  readonly nsg: number;
  readonly versionActive: number;
  readonly isid: Uint8Array;
  readonly tsih: number;
  readonly itt: number;
  readonly statSN: number;
  readonly window: Window;
  readonly statusClass: number;
  readonly statusDetail: number;
  readonly dataLength: number;
}

export function encodeLoginResponse(f: LoginResponseFields): Buffer {
  const bhs = header(Opcode.loginResponse, (f.transit ? 0x80 : 0) | (f.cont ? 0x40 : 0) | ((f.csg & 3) << 2) | (f.nsg & 3), f.dataLength, f.itt);
  bhs[2] = 0; // Version-max: 0 is the only version there is
  bhs[3] = f.versionActive;
  Buffer.from(f.isid).copy(bhs, 8, 0, 6);
  bhs.writeUInt16BE(f.tsih, 14);
  bhs.writeUInt32BE(f.statSN >>> 0, 24);
  windowAt(bhs, f.window);
  bhs[36] = f.statusClass;
  bhs[37] = f.statusDetail;
  return bhs;
}

export interface ScsiResponseFields {
  readonly itt: number;
  readonly status: number;
  readonly statSN: number;
  readonly window: Window;
  readonly expDataSN: number;
  /** Positive: the initiator expected more than the command moved (underflow); negative: less (overflow). */
  readonly residual: number;
  readonly dataLength: number;
}

export function encodeScsiResponse(f: ScsiResponseFields): Buffer {
  const flags = 0x80 | (f.residual > 0 ? 0x02 : 0) | (f.residual < 0 ? 0x04 : 0);
  const bhs = header(Opcode.scsiResponse, flags, f.dataLength, f.itt);
  bhs[2] = 0; // Command Completed at Target
  bhs[3] = f.status;
  bhs.writeUInt32BE(f.statSN >>> 0, 24);
  windowAt(bhs, f.window);
  bhs.writeUInt32BE(f.expDataSN >>> 0, 36);
  bhs.writeUInt32BE(Math.abs(f.residual) >>> 0, 44);
  return bhs;
}

export interface DataInFields {
  readonly final: boolean;
  readonly itt: number;
  readonly lun: bigint;
  readonly window: Window;
  readonly dataSN: number;
  readonly bufferOffset: number;
  readonly dataLength: number;
  /** With status: the command's SCSI status rides on the last Data-In (phase collapse, RFC 7143 §11.7.4). */
  readonly status?: { readonly status: number; readonly statSN: number; readonly residual: number };
}

export function encodeDataIn(f: DataInFields): Buffer {
  const s = f.status;
  const flags = (f.final ? 0x80 : 0) | (s === undefined ? 0 : 0x01 | (s.residual > 0 ? 0x02 : 0) | (s.residual < 0 ? 0x04 : 0));
  const bhs = header(Opcode.dataIn, flags, f.dataLength, f.itt);
  bhs.writeBigUInt64BE(f.lun, 8);
  bhs.writeUInt32BE(RESERVED_TAG, 20);
  if (s !== undefined) {
    bhs[3] = s.status;
    bhs.writeUInt32BE(s.statSN >>> 0, 24);
    bhs.writeUInt32BE(Math.abs(s.residual) >>> 0, 44);
  }
  windowAt(bhs, f.window);
  bhs.writeUInt32BE(f.dataSN >>> 0, 36);
  bhs.writeUInt32BE(f.bufferOffset >>> 0, 40);
  return bhs;
}

export interface R2tFields {
  readonly itt: number;
  readonly lun: bigint;
  readonly ttt: number;
  readonly statSN: number;
  readonly window: Window;
  readonly r2tSN: number;
  readonly bufferOffset: number;
  readonly length: number;
}

export function encodeR2t(f: R2tFields): Buffer {
  const bhs = header(Opcode.r2t, 0x80, 0, f.itt);
  bhs.writeBigUInt64BE(f.lun, 8);
  bhs.writeUInt32BE(f.ttt >>> 0, 20);
  bhs.writeUInt32BE(f.statSN >>> 0, 24);
  windowAt(bhs, f.window);
  bhs.writeUInt32BE(f.r2tSN >>> 0, 36);
  bhs.writeUInt32BE(f.bufferOffset >>> 0, 40);
  bhs.writeUInt32BE(f.length >>> 0, 44);
  return bhs;
}

export interface NopInFields {
  readonly itt: number;
  readonly ttt: number;
  readonly lun: bigint;
  readonly statSN: number;
  readonly window: Window;
  readonly dataLength: number;
}

export function encodeNopIn(f: NopInFields): Buffer {
  const bhs = header(Opcode.nopIn, 0x80, f.dataLength, f.itt);
  bhs.writeBigUInt64BE(f.lun, 8);
  bhs.writeUInt32BE(f.ttt >>> 0, 20);
  bhs.writeUInt32BE(f.statSN >>> 0, 24);
  windowAt(bhs, f.window);
  return bhs;
}

export interface TextResponseFields {
  readonly final: boolean;
  readonly cont: boolean;
  readonly itt: number;
  readonly ttt: number;
  readonly statSN: number;
  readonly window: Window;
  readonly dataLength: number;
}

export function encodeTextResponse(f: TextResponseFields): Buffer {
  const bhs = header(Opcode.textResponse, (f.final ? 0x80 : 0) | (f.cont ? 0x40 : 0), f.dataLength, f.itt);
  bhs.writeUInt32BE(f.ttt >>> 0, 20);
  bhs.writeUInt32BE(f.statSN >>> 0, 24);
  windowAt(bhs, f.window);
  return bhs;
}

export interface LogoutResponseFields {
  readonly response: number;
  readonly itt: number;
  readonly statSN: number;
  readonly window: Window;
  readonly time2Wait: number;
  readonly time2Retain: number;
}

export function encodeLogoutResponse(f: LogoutResponseFields): Buffer {
  const bhs = header(Opcode.logoutResponse, 0x80, 0, f.itt);
  bhs[2] = f.response;
  bhs.writeUInt32BE(f.statSN >>> 0, 24);
  windowAt(bhs, f.window);
  bhs.writeUInt16BE(f.time2Wait, 40);
  bhs.writeUInt16BE(f.time2Retain, 42);
  return bhs;
}

export interface TaskResponseFields {
  readonly response: number;
  readonly itt: number;
  readonly statSN: number;
  readonly window: Window;
}

export function encodeTaskResponse(f: TaskResponseFields): Buffer {
  const bhs = header(Opcode.taskResponse, 0x80, 0, f.itt);
  bhs[2] = f.response;
  bhs.writeUInt32BE(f.statSN >>> 0, 24);
  windowAt(bhs, f.window);
  return bhs;
}

export interface RejectFields {
  readonly reason: number;
  readonly statSN: number;
  readonly window: Window;
  /** The rejected PDU's header goes in the data segment (RFC 7143 §11.17). */
  readonly dataLength: number;
}

export function encodeReject(f: RejectFields): Buffer {
  const bhs = header(Opcode.reject, 0x80, f.dataLength, RESERVED_TAG);
  bhs[2] = f.reason;
  bhs.writeUInt32BE(f.statSN >>> 0, 24);
  windowAt(bhs, f.window);
  return bhs;
}
