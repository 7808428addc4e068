// CDB decoding of a direct-access block device (SBC-3 §5 command layouts, SPC-4 §6 INQUIRY/MODE SENSE/REPORT LUNS/REQUEST SENSE, §4.5.2.4.2 field pointers) and Data-Out sizes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dataOutBytes, decodeCdb, ScsiOp, type BlockCommand } from '../../src/iscsi/scsi-cdb.js';

const cdb = (...bytes: number[]): Buffer => Buffer.from(bytes);
const u32 = (n: number): number[] => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const u64 = (n: bigint): number[] => Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(56 - i * 8)) & 0xffn));

const okCases: ReadonlyArray<[string, Buffer, BlockCommand]> = [
  ['TEST UNIT READY', cdb(0x00, 0, 0, 0, 0, 0), { op: 'testUnitReady' }],
  ['REQUEST SENSE, DESC=1, allocation 252', cdb(0x03, 0x01, 0, 0, 0xfc, 0), { op: 'requestSense', descriptor: true, allocation: 252 }],
  ['REQUEST SENSE, fixed format, allocation 18', cdb(0x03, 0x00, 0, 0, 18, 0), { op: 'requestSense', descriptor: false, allocation: 18 }],
  ['READ (6): 21-bit LBA from byte 1 bits 4-0 and bytes 2-3', cdb(0x08, 0x1f, 0xff, 0xfe, 0x10, 0), { op: 'read', lba: 0x1ffffen, blocks: 16, fua: false }],
  ['READ (6): byte 1 bits 7-5 are not LBA', cdb(0x08, 0xe1, 0x00, 0x02, 0x01, 0), { op: 'read', lba: 0x10002n, blocks: 1, fua: false }],
  ['READ (6): transfer length 0 means 256 blocks', cdb(0x08, 0x00, 0x00, 0x00, 0x00, 0), { op: 'read', lba: 0n, blocks: 256, fua: false }],
  ['WRITE (6): transfer length 0 means 256 blocks', cdb(0x0a, 0x00, 0x00, 0x05, 0x00, 0), { op: 'write', lba: 5n, blocks: 256, fua: false }],
  ['WRITE (6): transfer length 255', cdb(0x0a, 0x00, 0x01, 0x00, 0xff, 0), { op: 'write', lba: 0x100n, blocks: 255, fua: false }],
  ['INQUIRY standard data, allocation 36', cdb(0x12, 0x00, 0x00, 0x00, 0x24, 0), { op: 'inquiry', evpd: false, page: 0, allocation: 36 }],
  ['INQUIRY EVPD page 0x83, 16-bit allocation 0x0100', cdb(0x12, 0x01, 0x83, 0x01, 0x00, 0), { op: 'inquiry', evpd: true, page: 0x83, allocation: 256 }],
  [
    'MODE SENSE (6): DBD, PC=3, page 0x08, allocation 192',
    cdb(0x1a, 0x08, 0xc8, 0x00, 0xc0, 0),
    { op: 'modeSense', ten: false, dbd: true, pc: 3, page: 0x08, subpage: 0, allocation: 192 },
  ],
  [
    'MODE SENSE (10): PC=1, all pages and subpages, 16-bit allocation at bytes 7-8',
    cdb(0x5a, 0x00, 0x7f, 0xff, 0, 0, 0, 0x01, 0x02, 0),
    { op: 'modeSense', ten: true, dbd: false, pc: 1, page: 0x3f, subpage: 0xff, allocation: 0x102 },
  ],
  ['START STOP UNIT', cdb(0x1b, 0x00, 0x00, 0x00, 0x01, 0), { op: 'startStopUnit' }],
  ['PREVENT ALLOW MEDIUM REMOVAL', cdb(0x1e, 0x00, 0x00, 0x00, 0x01, 0), { op: 'preventAllow' }],
  ['READ CAPACITY (10)', cdb(0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0), { op: 'readCapacity10' }],
  ['READ CAPACITY (10) with PMI=1 and an LBA (obsolete, accepted)', cdb(0x25, 0, ...u32(0x1000), 0, 0, 0x01, 0), { op: 'readCapacity10' }],
  ['READ (10): FUA, LBA bytes 2-5, length bytes 7-8', cdb(0x28, 0x08, ...u32(0x1234), 0x00, 0x00, 0x10, 0), { op: 'read', lba: 0x1234n, blocks: 16, fua: true }],
  ['READ (10): DPO alone is not FUA', cdb(0x28, 0x10, ...u32(7), 0x00, 0x00, 0x01, 0), { op: 'read', lba: 7n, blocks: 1, fua: false }],
  ['WRITE (10): the largest LBA, one block', cdb(0x2a, 0x00, ...u32(0xffffffff), 0x00, 0x00, 0x01, 0), { op: 'write', lba: 0xffffffffn, blocks: 1, fua: false }],
  ['WRITE (10): zero blocks', cdb(0x2a, 0x08, ...u32(0), 0x00, 0x00, 0x00, 0), { op: 'write', lba: 0n, blocks: 0, fua: true }],
  ['VERIFY (10): BYTCHK=0', cdb(0x2f, 0x00, ...u32(16), 0x00, 0x00, 0x04, 0), { op: 'verify', lba: 16n, blocks: 4, bytchk: 0 }],
  ['VERIFY (10): BYTCHK=01b (byte 1 bits 2-1)', cdb(0x2f, 0x02, ...u32(16), 0x00, 0x00, 0x04, 0), { op: 'verify', lba: 16n, blocks: 4, bytchk: 1 }],
  ['VERIFY (10): BYTCHK=11b', cdb(0x2f, 0x06, ...u32(16), 0x00, 0xff, 0xff, 0), { op: 'verify', lba: 16n, blocks: 0xffff, bytchk: 3 }],
  ['SYNCHRONIZE CACHE (10)', cdb(0x35, 0x00, ...u32(256), 0x00, 0x00, 0x20, 0), { op: 'synchronizeCache', lba: 256n, blocks: 32 }],
  ['SYNCHRONIZE CACHE (10): zero blocks (to the end)', cdb(0x35, 0x02, ...u32(0), 0x00, 0x00, 0x00, 0), { op: 'synchronizeCache', lba: 0n, blocks: 0 }],
  ['WRITE SAME (10): UNMAP bit 3', cdb(0x41, 0x08, ...u32(8), 0x00, 0x00, 0x10, 0), { op: 'writeSame', lba: 8n, blocks: 16, unmap: true, ndob: false }],
  ['WRITE SAME (10): byte 1 bit 0 is not NDOB in the 10-byte form', cdb(0x41, 0x01, ...u32(8), 0x00, 0x00, 0x01, 0), { op: 'writeSame', lba: 8n, blocks: 1, unmap: false, ndob: false }],
  ['UNMAP: parameter list length bytes 7-8', cdb(0x42, 0x00, 0, 0, 0, 0, 0x00, 0x00, 0x18, 0), { op: 'unmap', parameterLength: 24 }],
  ['READ (16): FUA, 64-bit LBA bytes 2-9, length bytes 10-13', cdb(0x88, 0x08, ...u64(0x1_0000_0000n), ...u32(128), 0, 0), { op: 'read', lba: 0x1_0000_0000n, blocks: 128, fua: true }],
  ['WRITE (16): LBA 2^63', cdb(0x8a, 0x00, ...u64(1n << 63n), ...u32(0x10000), 0, 0), { op: 'write', lba: 1n << 63n, blocks: 0x10000, fua: false }],
  ['VERIFY (16): BYTCHK=01b', cdb(0x8f, 0x02, ...u64(0x0102030405060708n), ...u32(3), 0, 0), { op: 'verify', lba: 0x0102030405060708n, blocks: 3, bytchk: 1 }],
  ['SYNCHRONIZE CACHE (16)', cdb(0x91, 0x00, ...u64(0xffn), ...u32(0x20000), 0, 0), { op: 'synchronizeCache', lba: 0xffn, blocks: 0x20000 }],
  ['WRITE SAME (16): UNMAP and NDOB', cdb(0x93, 0x09, ...u64(0x40n), ...u32(0x400000), 0, 0), { op: 'writeSame', lba: 0x40n, blocks: 0x400000, unmap: true, ndob: true }],
  ['WRITE SAME (16): neither', cdb(0x93, 0x00, ...u64(1n), ...u32(1), 0, 0), { op: 'writeSame', lba: 1n, blocks: 1, unmap: false, ndob: false }],
  ['SERVICE ACTION IN (16) / READ CAPACITY (16): allocation bytes 10-13', cdb(0x9e, 0x10, ...u64(0n), ...u32(32), 0, 0), { op: 'readCapacity16', allocation: 32 }],
  ['REPORT LUNS: allocation bytes 6-9', cdb(0xa0, 0x00, 0x00, 0, 0, 0, ...u32(4096), 0, 0), { op: 'reportLuns', allocation: 4096 }],
  ['REPORT LUNS: allocation exactly 16, SELECT REPORT 2', cdb(0xa0, 0x00, 0x02, 0, 0, 0, ...u32(16), 0, 0), { op: 'reportLuns', allocation: 16 }],
  [
    'MAINTENANCE IN / REPORT SUPPORTED OPERATION CODES',
    cdb(0xa3, 0x0c, 0x82, 0x28, 0x00, 0x00, ...u32(512), 0, 0),
    { op: 'reportSupportedOpcodes', rctd: true, options: 2, opcode: 0x28, serviceAction: 0, allocation: 512 },
  ],
  ['READ (12): LBA bytes 2-5, length bytes 6-9', cdb(0xa8, 0x00, ...u32(0x00abcdef), ...u32(0x00010001), 0, 0), { op: 'read', lba: 0xabcdefn, blocks: 0x10001, fua: false }],
  ['WRITE (12): FUA', cdb(0xaa, 0x08, ...u32(2), ...u32(3), 0, 0), { op: 'write', lba: 2n, blocks: 3, fua: true }],
  ['VERIFY (12): BYTCHK=11b', cdb(0xaf, 0x06, ...u32(9), ...u32(5), 0, 0), { op: 'verify', lba: 9n, blocks: 5, bytchk: 3 }],
];

for (const [name, bytes, command] of okCases) {
  test(`decodeCdb: ${name}`, () => {
    assert.deepEqual(decodeCdb(bytes), { ok: true, command });
  });
}

/** The parts of fixed-format sense data (SPC-4 §4.5.3) these tests look at. */
function senseOf(result: ReturnType<typeof decodeCdb>): { code: number; key: number; asc: number; ascq: number; additional: number; sks: number[] } {
  assert.equal(result.ok, false);
  if (result.ok) throw new Error('unreachable');
  const s = result.sense;
  assert.equal(s.length, 18);
  return { code: s[0]!, key: s[2]! & 0x0f, asc: s[12]!, ascq: s[13]!, additional: s[7]!, sks: [...s.subarray(15, 18)] };
}

/** Sense-key-specific field pointer bytes 15-17: SKSV=1, C/D=1 (CDB), BPV and bit pointer when a bit is named, field pointer. */
const pointer = (byte: number, bit?: number): number[] => [0xc0 | (bit === undefined ? 0 : 0x08 | bit), (byte >> 8) & 0xff, byte & 0xff];

const invalidCases: ReadonlyArray<[string, Buffer, number, number | undefined]> = [
  ['READ (10) with RDPROTECT=001b', cdb(0x28, 0x20, ...u32(0), 0, 0, 1, 0), 1, 7],
  ['READ (10) with RDPROTECT=111b', cdb(0x28, 0xe0, ...u32(0), 0, 0, 1, 0), 1, 7],
  ['WRITE (10) with WRPROTECT=010b', cdb(0x2a, 0x40, ...u32(0), 0, 0, 1, 0), 1, 7],
  ['READ (12) with RDPROTECT', cdb(0xa8, 0x20, ...u32(0), ...u32(1), 0, 0), 1, 7],
  ['WRITE (12) with WRPROTECT', cdb(0xaa, 0x80, ...u32(0), ...u32(1), 0, 0), 1, 7],
  ['READ (16) with RDPROTECT', cdb(0x88, 0x60, ...u64(0n), ...u32(1), 0, 0), 1, 7],
  ['WRITE (16) with WRPROTECT', cdb(0x8a, 0x20, ...u64(0n), ...u32(1), 0, 0), 1, 7],
  ['VERIFY (10) with VRPROTECT', cdb(0x2f, 0x20, ...u32(0), 0, 0, 1, 0), 1, 7],
  ['VERIFY (16) with VRPROTECT', cdb(0x8f, 0x20, ...u64(0n), ...u32(1), 0, 0), 1, 7],
  ['VERIFY (12) with BYTCHK=10b (reserved)', cdb(0xaf, 0x04, ...u32(0), ...u32(1), 0, 0), 1, 2],
  ['WRITE SAME (10) with WRPROTECT', cdb(0x41, 0x20, ...u32(0), 0, 0, 1, 0), 1, 7],
  ['WRITE SAME (16) with ANCHOR', cdb(0x93, 0x10, ...u64(0n), ...u32(1), 0, 0), 1, 4],
  ['WRITE SAME (10) with obsolete PBDATA', cdb(0x41, 0x04, ...u32(0), 0, 0, 1, 0), 1, 2],
  ['WRITE SAME (10) with obsolete LBDATA', cdb(0x41, 0x02, ...u32(0), 0, 0, 1, 0), 1, 2],
  ['WRITE SAME (10) of zero blocks (WSNZ)', cdb(0x41, 0x00, ...u32(0), 0, 0, 0, 0), 7, undefined],
  ['WRITE SAME (16) of zero blocks (WSNZ)', cdb(0x93, 0x00, ...u64(0n), ...u32(0), 0, 0), 10, undefined],
  ['UNMAP with ANCHOR', cdb(0x42, 0x01, 0, 0, 0, 0, 0, 0, 24, 0), 1, 0],
  ['INQUIRY with EVPD=0 and a page code', cdb(0x12, 0x00, 0x80, 0x00, 0xff, 0), 2, undefined],
  ['INQUIRY with CMDDT set (obsolete)', cdb(0x12, 0x02, 0x00, 0x00, 0xff, 0), 1, 1],
  ['READ CAPACITY (10) with an LBA and PMI=0', cdb(0x25, 0, ...u32(1), 0, 0, 0, 0), 2, undefined],
  ['SERVICE ACTION IN (16) with a service action other than READ CAPACITY (16)', cdb(0x9e, 0x11, ...u64(0n), ...u32(32), 0, 0), 1, 4],
  ['MAINTENANCE IN with a service action other than REPORT SUPPORTED OPCODES', cdb(0xa3, 0x0a, 0, 0, 0, 0, ...u32(512), 0, 0), 1, 4],
  ['REPORT LUNS with allocation 15 (< 16, SPC-4 §6.33)', cdb(0xa0, 0x00, 0x00, 0, 0, 0, ...u32(15), 0, 0), 6, undefined],
  ['REPORT LUNS with allocation 0', cdb(0xa0, 0x00, 0x00, 0, 0, 0, ...u32(0), 0, 0), 6, undefined],
  ['REPORT LUNS with SELECT REPORT 3', cdb(0xa0, 0x00, 0x03, 0, 0, 0, ...u32(16), 0, 0), 2, undefined],
];
for (const [name, bytes, byte, bit] of invalidCases) {
  test(`decodeCdb: ${name} -> ILLEGAL REQUEST, INVALID FIELD IN CDB, field pointer byte ${byte}${bit === undefined ? '' : ` bit ${bit}`}`, () => {
    assert.deepEqual(senseOf(decodeCdb(bytes)), { code: 0x70, key: 0x5, asc: 0x24, ascq: 0x00, additional: 10, sks: pointer(byte, bit) });
  });
}

const invalidOpcodes: ReadonlyArray<[string, number]> = [
  ['FORMAT UNIT (0x04), not offered', 0x04],
  ['MODE SELECT (6) (0x15): in ScsiOp but not decoded, so not offered', ScsiOp.modeSelect6],
  ['COMPARE AND WRITE (0x89)', 0x89],
  ['vendor specific 0xff', 0xff],
];
for (const [name, op] of invalidOpcodes) {
  test(`decodeCdb: ${name} -> ILLEGAL REQUEST, INVALID COMMAND OPERATION CODE (asc 0x20), no field pointer`, () => {
    assert.deepEqual(senseOf(decodeCdb(cdb(op, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))), {
      code: 0x70,
      key: 0x5,
      asc: 0x20,
      ascq: 0x00,
      additional: 10,
      sks: [0, 0, 0],
    });
  });
}

test('every opcode in ScsiOp has a case above', () => {
  const covered = new Set<number>([...okCases.map(([, b]) => b[0]!), ...invalidCases.map(([, b]) => b[0]!), ...invalidOpcodes.map(([, op]) => op)]);
  for (const [name, op] of Object.entries(ScsiOp)) assert.ok(covered.has(op), `${name} (0x${op.toString(16)})`);
});

test('ScsiOp values are the SBC-3/SPC-4 operation codes', () => {
  assert.deepEqual(ScsiOp, {
    testUnitReady: 0x00,
    requestSense: 0x03,
    read6: 0x08,
    write6: 0x0a,
    inquiry: 0x12,
    modeSelect6: 0x15,
    modeSense6: 0x1a,
    startStopUnit: 0x1b,
    preventAllow: 0x1e,
    readCapacity10: 0x25,
    read10: 0x28,
    write10: 0x2a,
    verify10: 0x2f,
    synchronizeCache10: 0x35,
    writeSame10: 0x41,
    unmap: 0x42,
    modeSense10: 0x5a,
    read16: 0x88,
    write16: 0x8a,
    verify16: 0x8f,
    synchronizeCache16: 0x91,
    writeSame16: 0x93,
    serviceActionIn16: 0x9e,
    reportLuns: 0xa0,
    maintenanceIn: 0xa3,
    read12: 0xa8,
    write12: 0xaa,
    verify12: 0xaf,
  });
});

const dataOutCases: ReadonlyArray<[string, BlockCommand, number]> = [
  ['WRITE of 16 blocks', { op: 'write', lba: 0n, blocks: 16, fua: false }, 16 * 512],
  ['WRITE of 0 blocks', { op: 'write', lba: 0n, blocks: 0, fua: false }, 0],
  ['READ: none', { op: 'read', lba: 0n, blocks: 16, fua: false }, 0],
  ['VERIFY BYTCHK 0: none', { op: 'verify', lba: 0n, blocks: 8, bytchk: 0 }, 0],
  ['VERIFY BYTCHK 1: every block', { op: 'verify', lba: 0n, blocks: 8, bytchk: 1 }, 8 * 512],
  ['VERIFY BYTCHK 3: one block', { op: 'verify', lba: 0n, blocks: 8, bytchk: 3 }, 512],
  ['WRITE SAME: one block', { op: 'writeSame', lba: 0n, blocks: 100, unmap: false, ndob: false }, 512],
  ['WRITE SAME with NDOB: none', { op: 'writeSame', lba: 0n, blocks: 100, unmap: true, ndob: true }, 0],
  ['UNMAP: the parameter list length', { op: 'unmap', parameterLength: 40 }, 40],
  ['INQUIRY: none', { op: 'inquiry', evpd: false, page: 0, allocation: 36 }, 0],
  ['SYNCHRONIZE CACHE: none', { op: 'synchronizeCache', lba: 0n, blocks: 0 }, 0],
];
for (const [name, command, bytes] of dataOutCases) {
  test(`dataOutBytes (512-byte blocks): ${name}`, () => {
    assert.equal(dataOutBytes(command, 512), bytes);
  });
}

test('dataOutBytes scales with the block size', () => {
  assert.equal(dataOutBytes({ op: 'write', lba: 0n, blocks: 3, fua: false }, 4096), 3 * 4096);
  assert.equal(dataOutBytes({ op: 'writeSame', lba: 0n, blocks: 3, unmap: false, ndob: false }, 4096), 4096);
});
