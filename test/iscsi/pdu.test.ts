// iSCSI Basic Header Segments byte for byte against the PDU layouts of RFC 7143 §11: initiator PDUs decoded, target PDUs encoded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BHS_BYTES,
  bhsLengths,
  decodeBhs,
  encodeDataIn,
  encodeLoginResponse,
  encodeLogoutResponse,
  encodeNopIn,
  encodeR2t,
  encodeReject,
  encodeScsiResponse,
  encodeTaskResponse,
  encodeTextResponse,
  opcodeName,
  RESERVED_TAG,
  type InitiatorPdu,
} from '../../src/iscsi/pdu.js';

/** Bytes written out field by field; every vector must come to exactly one 48-byte BHS. */
function bhs(...fields: number[][]): Buffer {
  const out = Buffer.from(fields.flat());
  assert.equal(out.length, BHS_BYTES, 'a golden BHS is 48 bytes');
  return out;
}
const zeros = (n: number): number[] => new Array<number>(n).fill(0);

interface DecodeVector {
  readonly name: string;
  readonly bytes: Buffer;
  readonly expected: InitiatorPdu;
  /** Offsets RFC 7143 marks reserved (or that this decoder is not meant to read) for this PDU. */
  readonly reserved: readonly number[];
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

const decodeVectors: DecodeVector[] = [
  {
    name: 'Login Request (§11.12), T=1 CSG=1 NSG=3',
    bytes: bhs(
      [0x43], // 0: .|I=1|opcode 0x03
      [0x87], // 1: T=1 C=0 . . CSG=01 NSG=11
      [0x02], // 2: Version-max
      [0x01], // 3: Version-min
      [0x00], // 4: TotalAHSLength
      [0x00, 0x01, 0x2c], // 5-7: DataSegmentLength = 300
      [0x40, 0x01, 0x37, 0x00, 0x00, 0x01], // 8-13: ISID
      [0x12, 0x34], // 14-15: TSIH
      [0x00, 0x00, 0x00, 0x2a], // 16-19: Initiator Task Tag
      [0x00, 0x05], // 20-21: CID
      [0x00, 0x00], // 22-23: reserved
      [0x00, 0x00, 0x00, 0x07], // 24-27: CmdSN
      [0x00, 0x00, 0x00, 0x09], // 28-31: ExpStatSN
      zeros(16), // 32-47: reserved
    ),
    expected: {
      kind: 'login',
      op: 0x03,
      immediate: true,
      final: true,
      ahsBytes: 0,
      dataLength: 300,
      itt: 0x2a,
      transit: true,
      cont: false,
      csg: 1,
      nsg: 3,
      versionMax: 2,
      versionMin: 1,
      isid: Buffer.from([0x40, 0x01, 0x37, 0x00, 0x00, 0x01]),
      tsih: 0x1234,
      cid: 5,
      cmdSN: 7,
      expStatSN: 9,
    },
    reserved: [...range(22, 24), ...range(32, 48)],
  },
  {
    name: 'Login Request (§11.12), T=0 C=1 CSG=0 NSG=1',
    bytes: bhs(
      [0x43], // 0: .|I=1|opcode 0x03
      [0x41], // 1: T=0 C=1 . . CSG=00 NSG=01
      [0x00], // 2: Version-max
      [0x00], // 3: Version-min
      [0x00], // 4: TotalAHSLength
      [0x00, 0x20, 0x00], // 5-7: DataSegmentLength = 8192
      [0x80, 0x12, 0x34, 0x56, 0x78, 0x9a], // 8-13: ISID
      [0x00, 0x00], // 14-15: TSIH
      [0xff, 0xff, 0xff, 0xfe], // 16-19: Initiator Task Tag
      [0xff, 0xff], // 20-21: CID
      [0x00, 0x00], // 22-23: reserved
      [0xff, 0xff, 0xff, 0xff], // 24-27: CmdSN
      [0x00, 0x00, 0x00, 0x00], // 28-31: ExpStatSN
      zeros(16), // 32-47: reserved
    ),
    expected: {
      kind: 'login',
      op: 0x03,
      immediate: true,
      final: false,
      ahsBytes: 0,
      dataLength: 8192,
      itt: 0xfffffffe,
      transit: false,
      cont: true,
      csg: 0,
      nsg: 1,
      versionMax: 0,
      versionMin: 0,
      isid: Buffer.from([0x80, 0x12, 0x34, 0x56, 0x78, 0x9a]),
      tsih: 0,
      cid: 0xffff,
      cmdSN: 0xffffffff,
      expStatSN: 0,
    },
    reserved: [...range(22, 24), ...range(32, 48)],
  },
  {
    name: 'SCSI Command (§11.3), immediate, read, ATTR=1, with AHS',
    bytes: bhs(
      [0x41], // 0: .|I=1|opcode 0x01
      [0xc1], // 1: F=1 R=1 W=0 . . ATTR=001 (simple)
      [0x00, 0x00], // 2-3: reserved
      [0x02], // 4: TotalAHSLength = 2 words
      [0x00, 0x02, 0x00], // 5-7: DataSegmentLength = 512
      [0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00], // 8-15: LUN
      [0xde, 0xad, 0xbe, 0xef], // 16-19: Initiator Task Tag
      [0x00, 0x00, 0x10, 0x00], // 20-23: Expected Data Transfer Length = 4096
      [0x00, 0x00, 0x00, 0x11], // 24-27: CmdSN
      [0x00, 0x00, 0x00, 0x22], // 28-31: ExpStatSN
      [0x28, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00], // 32-47: CDB (READ 10)
    ),
    expected: {
      kind: 'command',
      op: 0x01,
      immediate: true,
      final: true,
      ahsBytes: 8,
      dataLength: 512,
      itt: 0xdeadbeef,
      read: true,
      write: false,
      attr: 1,
      lun: 0x0001_0000_0000_0000n,
      expectedLength: 4096,
      cmdSN: 0x11,
      expStatSN: 0x22,
      cdb: Buffer.from([0x28, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]),
    },
    reserved: [2, 3],
  },
  {
    name: 'SCSI Command (§11.3), not immediate, write, ATTR=2',
    bytes: bhs(
      [0x01], // 0: .|I=0|opcode 0x01
      [0xa2], // 1: F=1 R=0 W=1 . . ATTR=010 (ordered)
      [0x00, 0x00], // 2-3: reserved
      [0x00], // 4: TotalAHSLength
      [0x00, 0x00, 0x00], // 5-7: DataSegmentLength
      [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08], // 8-15: LUN
      [0x00, 0x00, 0x00, 0x01], // 16-19: Initiator Task Tag
      [0x00, 0x10, 0x00, 0x00], // 20-23: Expected Data Transfer Length = 1 MiB
      [0x80, 0x00, 0x00, 0x00], // 24-27: CmdSN
      [0x00, 0x00, 0x00, 0x01], // 28-31: ExpStatSN
      [0x2a, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00], // 32-47: CDB (WRITE 10)
    ),
    expected: {
      kind: 'command',
      op: 0x01,
      immediate: false,
      final: true,
      ahsBytes: 0,
      dataLength: 0,
      itt: 1,
      read: false,
      write: true,
      attr: 2,
      lun: 0x0102_0304_0506_0708n,
      expectedLength: 0x100000,
      cmdSN: 0x80000000,
      expStatSN: 1,
      cdb: Buffer.from([0x2a, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]),
    },
    reserved: [2, 3],
  },
  {
    name: 'SCSI Data-Out (§11.7)',
    bytes: bhs(
      [0x05], // 0: .|.|opcode 0x05
      [0x80], // 1: F=1
      [0x00, 0x00], // 2-3: reserved
      [0x00], // 4: TotalAHSLength
      [0x00, 0x20, 0x00], // 5-7: DataSegmentLength = 8192
      [0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00], // 8-15: LUN
      [0x00, 0x00, 0x00, 0x09], // 16-19: Initiator Task Tag
      [0x00, 0x00, 0x00, 0x33], // 20-23: Target Transfer Tag
      [0x00, 0x00, 0x00, 0x00], // 24-27: reserved
      [0x00, 0x00, 0x00, 0x44], // 28-31: ExpStatSN
      [0x00, 0x00, 0x00, 0x00], // 32-35: reserved
      [0x00, 0x00, 0x00, 0x03], // 36-39: DataSN
      [0x00, 0x01, 0x00, 0x00], // 40-43: Buffer Offset = 65536
      [0x00, 0x00, 0x00, 0x00], // 44-47: reserved
    ),
    expected: {
      kind: 'dataOut',
      op: 0x05,
      immediate: false,
      final: true,
      ahsBytes: 0,
      dataLength: 8192,
      itt: 9,
      lun: 0x0002_0000_0000_0000n,
      ttt: 0x33,
      expStatSN: 0x44,
      dataSN: 3,
      bufferOffset: 65536,
    },
    reserved: [2, 3, ...range(24, 28), ...range(32, 36), ...range(44, 48)],
  },
  {
    name: 'NOP-Out (§11.18), immediate ping',
    bytes: bhs(
      [0x40], // 0: .|I=1|opcode 0x00
      [0x80], // 1: 1
      [0x00, 0x00], // 2-3: reserved
      [0x00], // 4: TotalAHSLength
      [0x00, 0x00, 0x04], // 5-7: DataSegmentLength = 4
      [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07], // 8-15: LUN
      [0x00, 0x00, 0x00, 0x10], // 16-19: Initiator Task Tag
      [0xff, 0xff, 0xff, 0xff], // 20-23: Target Transfer Tag (none)
      [0x00, 0x00, 0x00, 0x20], // 24-27: CmdSN
      [0x00, 0x00, 0x00, 0x30], // 28-31: ExpStatSN
      zeros(16), // 32-47: reserved
    ),
    expected: {
      kind: 'nopOut',
      op: 0x00,
      immediate: true,
      final: true,
      ahsBytes: 0,
      dataLength: 4,
      itt: 0x10,
      lun: 7n,
      ttt: RESERVED_TAG,
      cmdSN: 0x20,
      expStatSN: 0x30,
    },
    reserved: [2, 3, ...range(32, 48)],
  },
  {
    name: 'Text Request (§11.10), C=1',
    bytes: bhs(
      [0x04], // 0: .|I=0|opcode 0x04
      [0x40], // 1: F=0 C=1
      [0x00, 0x00], // 2-3: reserved
      [0x00], // 4: TotalAHSLength
      [0x00, 0x00, 0x10], // 5-7: DataSegmentLength = 16
      [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00], // 8-15: LUN
      [0x00, 0x00, 0x00, 0x05], // 16-19: Initiator Task Tag
      [0x00, 0x00, 0x01, 0x00], // 20-23: Target Transfer Tag
      [0x00, 0x00, 0x00, 0x06], // 24-27: CmdSN
      [0x00, 0x00, 0x00, 0x07], // 28-31: ExpStatSN
      zeros(16), // 32-47: reserved
    ),
    expected: {
      kind: 'text',
      op: 0x04,
      immediate: false,
      final: false,
      ahsBytes: 0,
      dataLength: 16,
      itt: 5,
      cont: true,
      lun: 0n,
      ttt: 0x100,
      cmdSN: 6,
      expStatSN: 7,
    },
    reserved: [2, 3, ...range(32, 48)],
  },
  {
    name: 'SCSI Task Management Function Request (§11.5), ABORT TASK',
    bytes: bhs(
      [0x42], // 0: .|I=1|opcode 0x02
      [0x81], // 1: 1|Function = 1 (ABORT TASK)
      [0x00, 0x00], // 2-3: reserved
      [0x00], // 4: TotalAHSLength
      [0x00, 0x00, 0x00], // 5-7: DataSegmentLength
      [0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00], // 8-15: LUN
      [0x00, 0x00, 0x01, 0x00], // 16-19: Initiator Task Tag
      [0x00, 0x00, 0x00, 0x99], // 20-23: Referenced Task Tag
      [0x00, 0x00, 0x00, 0x21], // 24-27: CmdSN
      [0x00, 0x00, 0x00, 0x31], // 28-31: ExpStatSN
      [0x00, 0x00, 0x00, 0x19], // 32-35: RefCmdSN
      [0x00, 0x00, 0x00, 0x02], // 36-39: ExpDataSN
      zeros(8), // 40-47: reserved
    ),
    expected: {
      kind: 'task',
      op: 0x02,
      immediate: true,
      final: true,
      ahsBytes: 0,
      dataLength: 0,
      itt: 0x100,
      fn: 1,
      lun: 0x0003_0000_0000_0000n,
      referencedTag: 0x99,
      cmdSN: 0x21,
      expStatSN: 0x31,
      refCmdSN: 0x19,
    },
    reserved: [2, 3, ...range(40, 48)],
  },
  {
    name: 'Logout Request (§11.14), close the connection',
    bytes: bhs(
      [0x46], // 0: .|I=1|opcode 0x06
      [0x81], // 1: 1|Reason Code = 1 (close the connection)
      [0x00, 0x00], // 2-3: reserved
      [0x00], // 4: TotalAHSLength
      [0x00, 0x00, 0x00], // 5-7: DataSegmentLength
      zeros(8), // 8-15: reserved
      [0x00, 0x00, 0x00, 0x77], // 16-19: Initiator Task Tag
      [0x00, 0x05], // 20-21: CID
      [0x00, 0x00], // 22-23: reserved
      [0x00, 0x00, 0x00, 0x40], // 24-27: CmdSN
      [0x00, 0x00, 0x00, 0x50], // 28-31: ExpStatSN
      zeros(16), // 32-47: reserved
    ),
    expected: {
      kind: 'logout',
      op: 0x06,
      immediate: true,
      final: true,
      ahsBytes: 0,
      dataLength: 0,
      itt: 0x77,
      reason: 1,
      cid: 5,
      cmdSN: 0x40,
      expStatSN: 0x50,
    },
    reserved: [2, 3, ...range(8, 16), 22, 23, ...range(32, 48)],
  },
  {
    name: 'SNACK Request (§11.16): not served, decoded as other',
    bytes: bhs(
      [0x10], // 0: .|.|opcode 0x10
      [0x80], // 1: F=1 . . . Type=0
      [0x00, 0x00], // 2-3: reserved
      [0x00], // 4: TotalAHSLength
      [0x00, 0x00, 0x00], // 5-7: DataSegmentLength
      zeros(8), // 8-15: LUN
      [0x00, 0x00, 0x00, 0x0c], // 16-19: Initiator Task Tag
      [0xff, 0xff, 0xff, 0xff], // 20-23: Target Transfer Tag
      [0x00, 0x00, 0x00, 0x0d], // 24-27: reserved (read as CmdSN for the reject)
      [0x00, 0x00, 0x00, 0x00], // 28-31: ExpStatSN
      zeros(16), // 32-47: BegRun, RunLength, reserved
    ),
    expected: { kind: 'other', op: 0x10, immediate: false, final: true, ahsBytes: 0, dataLength: 0, itt: 0x0c, cmdSN: 0x0d },
    reserved: [2, 3, ...range(8, 16), ...range(20, 24), ...range(28, 48)],
  },
  {
    name: 'an unknown opcode (0x1c), immediate, with data',
    bytes: bhs(
      [0x5c], // 0: .|I=1|opcode 0x1c (vendor specific range)
      [0x00], // 1: F=0
      [0x00, 0x00], // 2-3
      [0x01], // 4: TotalAHSLength = 1 word
      [0x00, 0x00, 0x03], // 5-7: DataSegmentLength = 3
      zeros(8), // 8-15
      [0x01, 0x02, 0x03, 0x04], // 16-19: Initiator Task Tag
      zeros(4), // 20-23
      [0x00, 0x00, 0x01, 0x00], // 24-27: CmdSN
      zeros(20), // 28-47
    ),
    expected: { kind: 'other', op: 0x1c, immediate: true, final: false, ahsBytes: 4, dataLength: 3, itt: 0x01020304, cmdSN: 0x100 },
    reserved: [2, 3, ...range(8, 16), ...range(20, 24), ...range(28, 48)],
  },
];

for (const v of decodeVectors) {
  test(`decodeBhs: ${v.name}`, () => {
    assert.deepEqual(decodeBhs(v.bytes), v.expected);
  });
  test(`decodeBhs: ${v.name}: reserved bytes set to 0xff change nothing (RFC 7143 §11.2: receivers ignore them)`, () => {
    const dirty = Buffer.from(v.bytes);
    for (const at of v.reserved) dirty[at] = 0xff;
    assert.deepEqual(decodeBhs(dirty), v.expected);
  });
}

test('decodeBhs: the ISID and CDB are copies, not views of the received bytes', () => {
  const login = Buffer.from(decodeVectors[0]!.bytes);
  const decodedLogin = decodeBhs(login);
  login.fill(0);
  assert.equal(decodedLogin.kind, 'login');
  if (decodedLogin.kind === 'login') assert.deepEqual(decodedLogin.isid, Buffer.from([0x40, 0x01, 0x37, 0x00, 0x00, 0x01]));
  const command = Buffer.from(decodeVectors[2]!.bytes);
  const decodedCommand = decodeBhs(command);
  command.fill(0);
  assert.equal(decodedCommand.kind, 'command');
  if (decodedCommand.kind === 'command') assert.equal(decodedCommand.cdb[0], 0x28);
});

test('bhsLengths: TotalAHSLength in 4-byte words (byte 4) and the 24-bit DataSegmentLength (bytes 5-7)', () => {
  const b = Buffer.alloc(BHS_BYTES);
  b[4] = 0xff;
  b[5] = 0xff;
  b[6] = 0xff;
  b[7] = 0xff;
  assert.deepEqual(bhsLengths(b), { ahsBytes: 1020, dataLength: 0xffffff });
  b[4] = 3;
  b[5] = 0x01;
  b[6] = 0x02;
  b[7] = 0x03;
  assert.deepEqual(bhsLengths(b), { ahsBytes: 12, dataLength: 0x010203 });
});

test('opcodeName: known opcodes by name, others in hex', () => {
  assert.equal(opcodeName(0x01), 'scsiCommand');
  assert.equal(opcodeName(0x3f), 'reject');
  assert.equal(opcodeName(0x1c), 'opcode 0x1c');
});

// ---- encoders ----

const window = { expCmdSN: 0x0000_0101, maxCmdSN: 0x0000_0120 };

test('encodeLoginResponse (§11.13): success, T=1 CSG=1 NSG=3', () => {
  const got = encodeLoginResponse({
    transit: true,
    cont: false,
    csg: 1,
    nsg: 3,
    versionActive: 0,
    isid: Buffer.from([0x40, 0x01, 0x37, 0x00, 0x00, 0x01]),
    tsih: 0x0102,
    itt: 0x2a,
    statSN: 0x10,
    window,
    statusClass: 0,
    statusDetail: 0,
    dataLength: 0x123,
  });
  const expected = bhs(
    [0x23], // 0: .|.|opcode 0x23
    [0x87], // 1: T=1 C=0 . . CSG=01 NSG=11
    [0x00], // 2: Version-max
    [0x00], // 3: Version-active
    [0x00], // 4: TotalAHSLength
    [0x00, 0x01, 0x23], // 5-7: DataSegmentLength
    [0x40, 0x01, 0x37, 0x00, 0x00, 0x01], // 8-13: ISID
    [0x01, 0x02], // 14-15: TSIH
    [0x00, 0x00, 0x00, 0x2a], // 16-19: Initiator Task Tag
    [0x00, 0x00, 0x00, 0x00], // 20-23: reserved
    [0x00, 0x00, 0x00, 0x10], // 24-27: StatSN
    [0x00, 0x00, 0x01, 0x01], // 28-31: ExpCmdSN
    [0x00, 0x00, 0x01, 0x20], // 32-35: MaxCmdSN
    [0x00], // 36: Status-Class
    [0x00], // 37: Status-Detail
    [0x00, 0x00], // 38-39: reserved
    zeros(8), // 40-47: reserved
  );
  assert.deepEqual(got, expected);
});

test('encodeLoginResponse (§11.13): failure 0x0201 with C=1, CSG=0, NSG=0', () => {
  const got = encodeLoginResponse({
    transit: false,
    cont: true,
    csg: 0,
    nsg: 0,
    versionActive: 0,
    isid: Buffer.from([0x80, 0xaa, 0xbb, 0xcc, 0xdd, 0xee]),
    tsih: 0,
    itt: 0xffff0000,
    statSN: 0xffffffff,
    window: { expCmdSN: 0xfffffffe, maxCmdSN: 0xffffffff },
    statusClass: 0x02,
    statusDetail: 0x01,
    dataLength: 0,
  });
  const expected = bhs(
    [0x23], // 0: opcode 0x23
    [0x40], // 1: T=0 C=1 CSG=00 NSG=00
    [0x00], // 2: Version-max
    [0x00], // 3: Version-active
    [0x00], // 4: TotalAHSLength
    [0x00, 0x00, 0x00], // 5-7: DataSegmentLength
    [0x80, 0xaa, 0xbb, 0xcc, 0xdd, 0xee], // 8-13: ISID
    [0x00, 0x00], // 14-15: TSIH
    [0xff, 0xff, 0x00, 0x00], // 16-19: Initiator Task Tag
    [0x00, 0x00, 0x00, 0x00], // 20-23: reserved
    [0xff, 0xff, 0xff, 0xff], // 24-27: StatSN
    [0xff, 0xff, 0xff, 0xfe], // 28-31: ExpCmdSN
    [0xff, 0xff, 0xff, 0xff], // 32-35: MaxCmdSN
    [0x02], // 36: Status-Class (initiator error)
    [0x01], // 37: Status-Detail (authentication failure)
    [0x00, 0x00], // 38-39: reserved
    zeros(8), // 40-47: reserved
  );
  assert.deepEqual(got, expected);
});

/** SCSI Response (§11.4) with the flag byte and residual under test. */
function scsiResponseBytes(flags: number, residual: number[]): Buffer {
  return bhs(
    [0x21], // 0: .|.|opcode 0x21
    [flags], // 1: 1 . . o u O U .
    [0x00], // 2: Response: Command Completed at Target
    [0x02], // 3: Status: CHECK CONDITION
    [0x00], // 4: TotalAHSLength
    [0x00, 0x00, 0x14], // 5-7: DataSegmentLength = 20
    zeros(8), // 8-15: reserved
    [0x00, 0x00, 0x00, 0x33], // 16-19: Initiator Task Tag
    [0x00, 0x00, 0x00, 0x00], // 20-23: SNACK Tag
    [0x00, 0x00, 0x00, 0x44], // 24-27: StatSN
    [0x00, 0x00, 0x01, 0x01], // 28-31: ExpCmdSN
    [0x00, 0x00, 0x01, 0x20], // 32-35: MaxCmdSN
    [0x00, 0x00, 0x00, 0x05], // 36-39: ExpDataSN
    [0x00, 0x00, 0x00, 0x00], // 40-43: Bidirectional Read Residual Count
    residual, // 44-47: Residual Count
  );
}

const scsiResponseCases: ReadonlyArray<[string, number, number, number[]]> = [
  ['no residual: flags 0x80', 0, 0x80, [0x00, 0x00, 0x00, 0x00]],
  ['underflow (initiator expected 512 more): U bit 0x02', 512, 0x82, [0x00, 0x00, 0x02, 0x00]],
  ['overflow (1024 bytes did not fit): O bit 0x04', -1024, 0x84, [0x00, 0x00, 0x04, 0x00]],
];
for (const [name, residual, flags, residualBytes] of scsiResponseCases) {
  test(`encodeScsiResponse (§11.4): ${name}`, () => {
    const got = encodeScsiResponse({ itt: 0x33, status: 0x02, statSN: 0x44, window, expDataSN: 5, residual, dataLength: 20 });
    assert.deepEqual(got, scsiResponseBytes(flags, residualBytes));
  });
}

test('encodeDataIn (§11.7): not final, no status: F=0 S=0, StatSN and Status left zero, TTT all ones', () => {
  const got = encodeDataIn({ final: false, itt: 0x0a, lun: 0x0001_0000_0000_0000n, window, dataSN: 0, bufferOffset: 0, dataLength: 8192 });
  const expected = bhs(
    [0x25], // 0: .|.|opcode 0x25
    [0x00], // 1: F=0 A=0 0 0 0 O=0 U=0 S=0
    [0x00], // 2: reserved
    [0x00], // 3: Status (reserved without S)
    [0x00], // 4: TotalAHSLength
    [0x00, 0x20, 0x00], // 5-7: DataSegmentLength = 8192
    [0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00], // 8-15: LUN
    [0x00, 0x00, 0x00, 0x0a], // 16-19: Initiator Task Tag
    [0xff, 0xff, 0xff, 0xff], // 20-23: Target Transfer Tag (none: A=0)
    [0x00, 0x00, 0x00, 0x00], // 24-27: StatSN (reserved without S)
    [0x00, 0x00, 0x01, 0x01], // 28-31: ExpCmdSN
    [0x00, 0x00, 0x01, 0x20], // 32-35: MaxCmdSN
    [0x00, 0x00, 0x00, 0x00], // 36-39: DataSN
    [0x00, 0x00, 0x00, 0x00], // 40-43: Buffer Offset
    [0x00, 0x00, 0x00, 0x00], // 44-47: Residual Count
  );
  assert.deepEqual(got, expected);
});

test('encodeDataIn (§11.7): final without status: F=1 only', () => {
  const got = encodeDataIn({ final: true, itt: 0x0a, lun: 0n, window, dataSN: 3, bufferOffset: 0x6000, dataLength: 0x2000 });
  const expected = bhs(
    [0x25], // 0: opcode 0x25
    [0x80], // 1: F=1 S=0
    [0x00], // 2: reserved
    [0x00], // 3: Status (reserved)
    [0x00], // 4: TotalAHSLength
    [0x00, 0x20, 0x00], // 5-7: DataSegmentLength
    zeros(8), // 8-15: LUN 0
    [0x00, 0x00, 0x00, 0x0a], // 16-19: ITT
    [0xff, 0xff, 0xff, 0xff], // 20-23: TTT
    [0x00, 0x00, 0x00, 0x00], // 24-27: StatSN (reserved)
    [0x00, 0x00, 0x01, 0x01], // 28-31: ExpCmdSN
    [0x00, 0x00, 0x01, 0x20], // 32-35: MaxCmdSN
    [0x00, 0x00, 0x00, 0x03], // 36-39: DataSN
    [0x00, 0x00, 0x60, 0x00], // 40-43: Buffer Offset
    [0x00, 0x00, 0x00, 0x00], // 44-47: Residual Count
  );
  assert.deepEqual(got, expected);
});

/** Data-In with status (phase collapse, §11.7.4): S bit, Status at byte 3, StatSN at 24, residual at 44. */
function dataInWithStatus(flags: number, residual: number[]): Buffer {
  return bhs(
    [0x25], // 0: opcode 0x25
    [flags], // 1: F A 0 0 0 O U S
    [0x00], // 2: reserved
    [0x00], // 3: Status GOOD
    [0x00], // 4: TotalAHSLength
    [0x00, 0x02, 0x00], // 5-7: DataSegmentLength = 512
    [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02], // 8-15: LUN
    [0x00, 0x00, 0x00, 0x0b], // 16-19: ITT
    [0xff, 0xff, 0xff, 0xff], // 20-23: TTT
    [0x00, 0x00, 0x00, 0x99], // 24-27: StatSN
    [0x00, 0x00, 0x01, 0x01], // 28-31: ExpCmdSN
    [0x00, 0x00, 0x01, 0x20], // 32-35: MaxCmdSN
    [0x00, 0x00, 0x00, 0x07], // 36-39: DataSN
    [0x00, 0x00, 0x0e, 0x00], // 40-43: Buffer Offset
    residual, // 44-47: Residual Count
  );
}
const dataInStatusCases: ReadonlyArray<[string, number, number, number[]]> = [
  ['no residual: F=1 S=1 (0x81)', 0, 0x81, [0x00, 0x00, 0x00, 0x00]],
  ['underflow: F=1 U=1 S=1 (0x83)', 0x1000, 0x83, [0x00, 0x00, 0x10, 0x00]],
  ['overflow: F=1 O=1 S=1 (0x85)', -0x200, 0x85, [0x00, 0x00, 0x02, 0x00]],
];
for (const [name, residual, flags, bytes] of dataInStatusCases) {
  test(`encodeDataIn (§11.7) with status (phase collapse): ${name}`, () => {
    const got = encodeDataIn({
      final: true,
      itt: 0x0b,
      lun: 2n,
      window,
      dataSN: 7,
      bufferOffset: 0xe00,
      dataLength: 512,
      status: { status: 0x00, statSN: 0x99, residual },
    });
    assert.deepEqual(got, dataInWithStatus(flags, bytes));
  });
}

test('encodeDataIn: the status byte is the SCSI status given (CHECK CONDITION 0x02 at byte 3)', () => {
  const got = encodeDataIn({ final: true, itt: 1, lun: 0n, window, dataSN: 0, bufferOffset: 0, dataLength: 4, status: { status: 0x02, statSN: 1, residual: 0 } });
  assert.equal(got[3], 0x02);
  assert.equal(got[1], 0x81);
});

test('encodeR2t (§11.8)', () => {
  const got = encodeR2t({ itt: 0x0c, lun: 0x0100_0000_0000_0000n, ttt: 0x55, statSN: 0x66, window, r2tSN: 2, bufferOffset: 0x40000, length: 0x40000 });
  const expected = bhs(
    [0x31], // 0: .|.|opcode 0x31
    [0x80], // 1: 1
    [0x00, 0x00], // 2-3: reserved
    [0x00], // 4: TotalAHSLength
    [0x00, 0x00, 0x00], // 5-7: DataSegmentLength
    [0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00], // 8-15: LUN
    [0x00, 0x00, 0x00, 0x0c], // 16-19: ITT
    [0x00, 0x00, 0x00, 0x55], // 20-23: Target Transfer Tag
    [0x00, 0x00, 0x00, 0x66], // 24-27: StatSN
    [0x00, 0x00, 0x01, 0x01], // 28-31: ExpCmdSN
    [0x00, 0x00, 0x01, 0x20], // 32-35: MaxCmdSN
    [0x00, 0x00, 0x00, 0x02], // 36-39: R2TSN
    [0x00, 0x04, 0x00, 0x00], // 40-43: Buffer Offset
    [0x00, 0x04, 0x00, 0x00], // 44-47: Desired Data Transfer Length
  );
  assert.deepEqual(got, expected);
});

test('encodeNopIn (§11.19): a ping with ITT all ones', () => {
  const got = encodeNopIn({ itt: RESERVED_TAG, ttt: 0x0000_0007, lun: 0n, statSN: 0x12, window, dataLength: 0 });
  const expected = bhs(
    [0x20], // 0: .|.|opcode 0x20
    [0x80], // 1: 1
    [0x00, 0x00], // 2-3: reserved
    [0x00], // 4: TotalAHSLength
    [0x00, 0x00, 0x00], // 5-7: DataSegmentLength
    zeros(8), // 8-15: LUN
    [0xff, 0xff, 0xff, 0xff], // 16-19: Initiator Task Tag
    [0x00, 0x00, 0x00, 0x07], // 20-23: Target Transfer Tag
    [0x00, 0x00, 0x00, 0x12], // 24-27: StatSN
    [0x00, 0x00, 0x01, 0x01], // 28-31: ExpCmdSN
    [0x00, 0x00, 0x01, 0x20], // 32-35: MaxCmdSN
    zeros(12), // 36-47: reserved
  );
  assert.deepEqual(got, expected);
});

test('encodeNopIn (§11.19): an answer echoing ping data, TTT all ones, LUN echoed', () => {
  const got = encodeNopIn({ itt: 0x10, ttt: RESERVED_TAG, lun: 7n, statSN: 0x13, window, dataLength: 4 });
  const expected = bhs(
    [0x20], // 0: opcode 0x20
    [0x80], // 1: 1
    [0x00, 0x00], // 2-3: reserved
    [0x00], // 4: TotalAHSLength
    [0x00, 0x00, 0x04], // 5-7: DataSegmentLength
    [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07], // 8-15: LUN
    [0x00, 0x00, 0x00, 0x10], // 16-19: ITT
    [0xff, 0xff, 0xff, 0xff], // 20-23: TTT
    [0x00, 0x00, 0x00, 0x13], // 24-27: StatSN
    [0x00, 0x00, 0x01, 0x01], // 28-31: ExpCmdSN
    [0x00, 0x00, 0x01, 0x20], // 32-35: MaxCmdSN
    zeros(12), // 36-47: reserved
  );
  assert.deepEqual(got, expected);
});

const textCases: ReadonlyArray<[string, boolean, boolean, number, number]> = [
  ['final: F=1 C=0, TTT all ones', true, false, 0x80, RESERVED_TAG],
  ['continued: F=0 C=1, a TTT to continue with', false, true, 0x40, 0x0000_0abc],
];
for (const [name, final, cont, flags, ttt] of textCases) {
  test(`encodeTextResponse (§11.11): ${name}`, () => {
    const got = encodeTextResponse({ final, cont, itt: 0x05, ttt, statSN: 0x21, window, dataLength: 0x1fff });
    const expected = bhs(
      [0x24], // 0: .|.|opcode 0x24
      [flags], // 1: F C
      [0x00, 0x00], // 2-3: reserved
      [0x00], // 4: TotalAHSLength
      [0x00, 0x1f, 0xff], // 5-7: DataSegmentLength
      zeros(8), // 8-15: LUN or reserved
      [0x00, 0x00, 0x00, 0x05], // 16-19: ITT
      [(ttt >>> 24) & 0xff, (ttt >>> 16) & 0xff, (ttt >>> 8) & 0xff, ttt & 0xff], // 20-23: TTT
      [0x00, 0x00, 0x00, 0x21], // 24-27: StatSN
      [0x00, 0x00, 0x01, 0x01], // 28-31: ExpCmdSN
      [0x00, 0x00, 0x01, 0x20], // 32-35: MaxCmdSN
      zeros(12), // 36-47: reserved
    );
    assert.deepEqual(got, expected);
  });
}

test('encodeLogoutResponse (§11.15): response, Time2Wait at 40, Time2Retain at 42', () => {
  const got = encodeLogoutResponse({ response: 0x02, itt: 0x77, statSN: 0x30, window, time2Wait: 0x0102, time2Retain: 0x0304 });
  const expected = bhs(
    [0x26], // 0: .|.|opcode 0x26
    [0x80], // 1: 1
    [0x02], // 2: Response (connection recovery not supported)
    [0x00], // 3: reserved
    [0x00], // 4: TotalAHSLength
    [0x00, 0x00, 0x00], // 5-7: DataSegmentLength
    zeros(8), // 8-15: reserved
    [0x00, 0x00, 0x00, 0x77], // 16-19: ITT
    [0x00, 0x00, 0x00, 0x00], // 20-23: reserved
    [0x00, 0x00, 0x00, 0x30], // 24-27: StatSN
    [0x00, 0x00, 0x01, 0x01], // 28-31: ExpCmdSN
    [0x00, 0x00, 0x01, 0x20], // 32-35: MaxCmdSN
    [0x00, 0x00, 0x00, 0x00], // 36-39: reserved
    [0x01, 0x02], // 40-41: Time2Wait
    [0x03, 0x04], // 42-43: Time2Retain
    [0x00, 0x00, 0x00, 0x00], // 44-47: reserved
  );
  assert.deepEqual(got, expected);
});

test('encodeTaskResponse (§11.6): response at byte 2', () => {
  const got = encodeTaskResponse({ response: 0x05, itt: 0x100, statSN: 0x31, window });
  const expected = bhs(
    [0x22], // 0: .|.|opcode 0x22
    [0x80], // 1: 1
    [0x05], // 2: Response (function not supported)
    [0x00], // 3: reserved
    [0x00], // 4: TotalAHSLength
    [0x00, 0x00, 0x00], // 5-7: DataSegmentLength
    zeros(8), // 8-15: reserved
    [0x00, 0x00, 0x01, 0x00], // 16-19: ITT
    [0x00, 0x00, 0x00, 0x00], // 20-23: reserved
    [0x00, 0x00, 0x00, 0x31], // 24-27: StatSN
    [0x00, 0x00, 0x01, 0x01], // 28-31: ExpCmdSN
    [0x00, 0x00, 0x01, 0x20], // 32-35: MaxCmdSN
    zeros(12), // 36-47: reserved
  );
  assert.deepEqual(got, expected);
});

test('encodeReject (§11.17): reason at byte 2, ITT all ones, the rejected header as data', () => {
  const got = encodeReject({ reason: 0x09, statSN: 0x40, window, dataLength: 48 });
  const expected = bhs(
    [0x3f], // 0: .|.|opcode 0x3f
    [0x80], // 1: 1
    [0x09], // 2: Reason (invalid PDU field)
    [0x00], // 3: reserved
    [0x00], // 4: TotalAHSLength
    [0x00, 0x00, 0x30], // 5-7: DataSegmentLength = 48
    zeros(8), // 8-15: reserved
    [0xff, 0xff, 0xff, 0xff], // 16-19: 0xffffffff
    [0x00, 0x00, 0x00, 0x00], // 20-23: reserved
    [0x00, 0x00, 0x00, 0x40], // 24-27: StatSN
    [0x00, 0x00, 0x01, 0x01], // 28-31: ExpCmdSN
    [0x00, 0x00, 0x01, 0x20], // 32-35: MaxCmdSN
    [0x00, 0x00, 0x00, 0x00], // 36-39: DataSN/R2TSN or reserved
    zeros(8), // 40-47: reserved
  );
  assert.deepEqual(got, expected);
});

test('encoders refuse a data segment the 24-bit DataSegmentLength cannot hold, and take the largest it can', () => {
  assert.throws(() => encodeNopIn({ itt: 1, ttt: RESERVED_TAG, lun: 0n, statSN: 0, window, dataLength: 0x1000000 }), RangeError);
  assert.throws(() => encodeReject({ reason: 4, statSN: 0, window, dataLength: -1 }), RangeError);
  const largest = encodeTextResponse({ final: true, cont: false, itt: 1, ttt: RESERVED_TAG, statSN: 0, window, dataLength: 0xffffff });
  assert.deepEqual([...largest.subarray(5, 8)], [0xff, 0xff, 0xff]);
});
