// The block device server over an in-memory Disk (SBC-3 READ/WRITE/VERIFY/WRITE SAME/UNMAP/SYNCHRONIZE CACHE/READ CAPACITY, VPD B0/B1/B2 and mode pages; SPC-4 INQUIRY, VPD 00/80/83, MODE SENSE, REPORT LUNS, REQUEST SENSE, sense data).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blockDevice, type BlockDevice, type ScsiResult } from '../../src/iscsi/block-device.js';
import type { Disk } from '../../src/iscsi/disk.js';
import { BLOCK_LIMITS } from '../../src/iscsi/scsi-pages.js';

/** A disk in a Buffer; `blocks` may claim more than is stored (for capacity reports), reads and writes stay in the stored part. */
class MemoryDisk implements Disk {
  readonly blockSize: number;
  readonly blocks: bigint;
  readonly readOnly: boolean;
  readonly thin: boolean;
  readonly store: Buffer;
  readonly reads: Array<[bigint, number]> = [];
  readonly writes: Array<{ lba: bigint; blocks: number; fua: boolean }> = [];
  readonly unmaps: Array<[bigint, number]> = [];
  flushes = 0;
  failReads = false;
  failWrites = false;

  constructor(options: { blocks?: bigint; stored?: number; blockSize?: number; readOnly?: boolean; thin?: boolean } = {}) {
    this.blockSize = options.blockSize ?? 512;
    this.blocks = options.blocks ?? 64n;
    this.readOnly = options.readOnly ?? false;
    this.thin = options.thin ?? false;
    const stored = options.stored ?? Number(this.blocks);
    this.store = Buffer.alloc(stored * this.blockSize);
    for (let i = 0; i < this.store.length; i++) this.store[i] = (i * 7 + (i >> 9)) & 0xff;
  }

  async read(lba: bigint, blocks: number): Promise<Buffer> {
    if (this.failReads) throw new Error('medium');
    this.reads.push([lba, blocks]);
    const at = Number(lba) * this.blockSize;
    return Buffer.from(this.store.subarray(at, at + blocks * this.blockSize));
  }

  async write(lba: bigint, data: Buffer, fua: boolean): Promise<void> {
    if (this.failWrites) throw new Error('medium');
    assert.equal(data.length % this.blockSize, 0, 'whole blocks');
    this.writes.push({ lba, blocks: data.length / this.blockSize, fua });
    data.copy(this.store, Number(lba) * this.blockSize);
  }

  async flush(): Promise<void> {
    this.flushes++;
  }

  async unmap(lba: bigint, blocks: number): Promise<void> {
    assert.ok(this.thin, 'unmap only on a thin disk');
    this.unmaps.push([lba, blocks]);
    const start = Math.min(Number(lba) * this.blockSize, this.store.length);
    this.store.fill(0, start, Math.min((Number(lba) + blocks) * this.blockSize, this.store.length));
  }

  async close(): Promise<void> {}

  block(lba: number, count = 1): Buffer {
    return this.store.subarray(lba * this.blockSize, (lba + count) * this.blockSize);
  }
}

const identity = { serial: 'SN0042', naaId: 0x0123_4567_89ab_cdefn, targetName: 'iqn.2025-01.lan.bramble:disk' };

function device(options: ConstructorParameters<typeof MemoryDisk>[0] = {}): { disk: MemoryDisk; dev: BlockDevice } {
  const disk = new MemoryDisk(options);
  return { disk, dev: blockDevice(disk, identity) };
}

// CDBs, written out per SBC-3/SPC-4 (scsi-cdb.test.ts checks the decoding of each).
const u16 = (n: number): number[] => [(n >>> 8) & 0xff, n & 0xff];
const u32 = (n: number): number[] => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const u64 = (n: bigint): number[] => Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(56 - i * 8)) & 0xffn));
const read10 = (lba: number, blocks: number): Buffer => Buffer.from([0x28, 0, ...u32(lba), 0, ...u16(blocks), 0]);
const write10 = (lba: number, blocks: number, fua = false): Buffer => Buffer.from([0x2a, fua ? 0x08 : 0, ...u32(lba), 0, ...u16(blocks), 0]);
const read6 = (lba: number, blocks: number): Buffer => Buffer.from([0x08, (lba >> 16) & 0x1f, ...u16(lba & 0xffff), blocks & 0xff, 0]);
const read12 = (lba: number, blocks: number): Buffer => Buffer.from([0xa8, 0, ...u32(lba), ...u32(blocks), 0, 0]);
const read16 = (lba: bigint, blocks: number): Buffer => Buffer.from([0x88, 0, ...u64(lba), ...u32(blocks), 0, 0]);
const write16 = (lba: bigint, blocks: number, fua = false): Buffer => Buffer.from([0x8a, fua ? 0x08 : 0, ...u64(lba), ...u32(blocks), 0, 0]);
const verify10 = (lba: number, blocks: number, bytchk: number): Buffer => Buffer.from([0x2f, bytchk << 1, ...u32(lba), 0, ...u16(blocks), 0]);
const sync10 = (lba: number, blocks: number): Buffer => Buffer.from([0x35, 0, ...u32(lba), 0, ...u16(blocks), 0]);
const writeSame10 = (lba: number, blocks: number, unmap = false): Buffer => Buffer.from([0x41, unmap ? 0x08 : 0, ...u32(lba), 0, ...u16(blocks), 0]);
const writeSame16 = (lba: bigint, blocks: number, flags = 0): Buffer => Buffer.from([0x93, flags, ...u64(lba), ...u32(blocks), 0, 0]);
const unmapCdb = (length: number): Buffer => Buffer.from([0x42, 0, 0, 0, 0, 0, 0, ...u16(length), 0]);
const inquiry = (evpd: boolean, page: number, allocation: number): Buffer => Buffer.from([0x12, evpd ? 1 : 0, page, ...u16(allocation), 0]);
const modeSense6 = (page: number, options: { pc?: number; dbd?: boolean; subpage?: number; allocation?: number } = {}): Buffer =>
  Buffer.from([0x1a, options.dbd ? 0x08 : 0, ((options.pc ?? 0) << 6) | page, options.subpage ?? 0, options.allocation ?? 255, 0]);
const modeSense10 = (page: number, options: { pc?: number; dbd?: boolean; subpage?: number; allocation?: number } = {}): Buffer =>
  Buffer.from([0x5a, options.dbd ? 0x08 : 0, ((options.pc ?? 0) << 6) | page, options.subpage ?? 0, 0, 0, 0, ...u16(options.allocation ?? 1024), 0]);
const readCapacity10 = (): Buffer => Buffer.from([0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
const readCapacity16 = (allocation: number): Buffer => Buffer.from([0x9e, 0x10, ...u64(0n), ...u32(allocation), 0, 0]);
const reportLuns = (allocation: number): Buffer => Buffer.from([0xa0, 0, 0, 0, 0, 0, ...u32(allocation), 0, 0]);
const requestSense = (descriptor: boolean, allocation: number): Buffer => Buffer.from([0x03, descriptor ? 1 : 0, 0, 0, allocation, 0]);

/** prepare, then run with `data` when the command takes Data-Out; fails the test when prepare refuses. */
async function exec(dev: BlockDevice, cdb: Buffer, data: Buffer | null = null): Promise<ScsiResult> {
  const p = dev.prepare(cdb);
  if (!p.ok) return p.result;
  if (p.dataOut > 0) assert.equal(data?.length, p.dataOut, 'Data-Out of the size prepare asked for');
  return dev.run(p.command, data);
}

/** Fixed-format sense data fields (SPC-4 §4.5.3). */
function sense(r: ScsiResult): { key: number; asc: number; ascq: number; valid: boolean; information: number; sks: number[] } {
  assert.equal(r.status, 0x02, 'CHECK CONDITION');
  const s = r.sense;
  assert.ok(s !== undefined);
  assert.equal(s.length, 18);
  assert.equal(s[0]! & 0x7f, 0x70, 'current error, fixed format');
  assert.equal(s[7], 10, 'additional sense length');
  return { key: s[2]! & 0x0f, asc: s[12]!, ascq: s[13]!, valid: (s[0]! & 0x80) !== 0, information: s.readUInt32BE(3), sks: [...s.subarray(15, 18)] };
}
const keyAsc = (r: ScsiResult): [number, number, number] => {
  const s = sense(r);
  return [s.key, s.asc, s.ascq];
};

function good(r: ScsiResult): Buffer {
  assert.equal(r.status, 0x00, `GOOD, got status ${r.status}${r.sense ? ` sense ${r.sense.toString('hex')}` : ''}`);
  assert.equal(r.sense, undefined);
  return r.data ?? Buffer.alloc(0);
}

const pattern = (blocks: number, seed: number, size = 512): Buffer => Buffer.from(Array.from({ length: blocks * size }, (_, i) => (seed + i * 13) & 0xff));

// ---- prepare: range and protection checks ----

test('prepare: READ (10) of the last block is in range; one block past it is LBA OUT OF RANGE with INFORMATION = the LBA', () => {
  const { dev } = device({ blocks: 64n });
  const p = dev.prepare(read10(63, 1));
  assert.ok(p.ok);
  assert.deepEqual(p.command, { op: 'read', lba: 63n, blocks: 1, fua: false });
  assert.equal(p.dataOut, 0);
  const bad = dev.prepare(read10(63, 2));
  assert.ok(!bad.ok);
  assert.deepEqual(sense(bad.result), { key: 0x5, asc: 0x21, ascq: 0x00, valid: true, information: 63, sks: [0, 0, 0] });
});

test('prepare: LBA out of range for WRITE, VERIFY, WRITE SAME and SYNCHRONIZE CACHE, INFORMATION the LBA', () => {
  const { dev } = device({ blocks: 64n });
  for (const [name, cdb, lba] of [
    ['WRITE (10)', write10(60, 8), 60],
    ['VERIFY (10)', verify10(64, 1, 0), 64],
    ['WRITE SAME (10)', writeSame10(10, 55), 10],
    ['SYNCHRONIZE CACHE (10)', sync10(65, 0), 65],
    ['READ (6)', read6(64, 1), 64],
  ] as const) {
    const p = dev.prepare(cdb);
    assert.ok(!p.ok, name);
    assert.deepEqual(sense(p.result), { key: 0x5, asc: 0x21, ascq: 0x00, valid: true, information: lba, sks: [0, 0, 0] }, name);
  }
});

test('prepare: an LBA past 32 bits out of range: asc 0x21, VALID clear (fixed-format INFORMATION holds 32 bits)', () => {
  const { dev } = device({ blocks: 64n });
  const p = dev.prepare(read16(1n << 40n, 1));
  assert.ok(!p.ok);
  const s = sense(p.result);
  assert.deepEqual([s.key, s.asc, s.valid], [0x5, 0x21, false]);
});

test('prepare: an LBA near 2^64 does not wrap into range', () => {
  const { dev } = device({ blocks: 64n });
  const p = dev.prepare(read16(0xffff_ffff_ffff_ffffn, 2));
  assert.ok(!p.ok);
  assert.equal(sense(p.result).asc, 0x21);
});

test('prepare: Data-Out sizes for WRITE, VERIFY BYTCHK 1, WRITE SAME', () => {
  const { dev } = device();
  const w = dev.prepare(write10(0, 3));
  assert.ok(w.ok);
  assert.equal(w.dataOut, 1536);
  const v = dev.prepare(verify10(0, 2, 1));
  assert.ok(v.ok);
  assert.equal(v.dataOut, 1024);
  const s = dev.prepare(writeSame10(0, 10));
  assert.ok(s.ok);
  assert.equal(s.dataOut, 512);
});

test('prepare: a transfer above the Block Limits maximum is INVALID FIELD IN CDB', () => {
  const max = BLOCK_LIMITS.maxTransferBlocks;
  const { dev } = device({ blocks: 1n << 32n, stored: 1 });
  assert.ok(dev.prepare(read12(0, max)).ok);
  const p = dev.prepare(read12(0, max + 1));
  assert.ok(!p.ok);
  assert.deepEqual(keyAsc(p.result), [0x5, 0x24, 0x00]);
  // VERIFY without a compare moves no data: no transfer limit.
  assert.ok(dev.prepare(Buffer.from([0xaf, 0x00, ...u32(0), ...u32(0x80000), 0, 0])).ok);
});

test(
  'prepare: the field pointer of a too-long transfer names the TRANSFER LENGTH field of the CDB used (SPC-4 §4.5.2.4.2)',
  () => {
    const { dev } = device({ blocks: 1n << 32n, stored: 1 });
    const r12 = dev.prepare(read12(0, BLOCK_LIMITS.maxTransferBlocks + 1));
    assert.ok(!r12.ok);
    assert.deepEqual(sense(r12.result).sks, [0xc0, 0x00, 6]);
    const r16 = dev.prepare(read16(0n, BLOCK_LIMITS.maxTransferBlocks + 1));
    assert.ok(!r16.ok);
    assert.deepEqual(sense(r16.result).sks, [0xc0, 0x00, 10]);
    const ws16 = dev.prepare(writeSame16(0n, BLOCK_LIMITS.maxWriteSameBlocks + 1));
    assert.ok(!ws16.ok);
    assert.deepEqual(sense(ws16.result).sks, [0xc0, 0x00, 10]);
  },
);

test('write protection: WRITE and WRITE SAME on a read-only disk are DATA PROTECT / WRITE PROTECTED (0x27), reads are fine', () => {
  const { dev } = device({ readOnly: true, thin: true });
  for (const cdb of [write10(0, 1), write16(0n, 1), writeSame10(0, 1), Buffer.from([0x0a, 0, 0, 0, 1, 0])]) {
    const p = dev.prepare(cdb);
    assert.ok(!p.ok, cdb.toString('hex'));
    assert.deepEqual(keyAsc(p.result), [0x7, 0x27, 0x00]);
  }
  const u = dev.prepare(unmapCdb(24));
  assert.ok(!u.ok);
  assert.deepEqual(keyAsc(u.result), [0x7, 0x27, 0x00]);
  assert.ok(dev.prepare(read10(0, 1)).ok);
  assert.ok(dev.prepare(verify10(0, 1, 1)).ok);
});

test('a CDB decodeCdb refuses is refused by prepare with the same sense', () => {
  const { dev } = device();
  const p = dev.prepare(Buffer.from([0x28, 0x20, 0, 0, 0, 0, 0, 0, 1, 0]));
  assert.ok(!p.ok);
  assert.deepEqual(sense(p.result), { key: 0x5, asc: 0x24, ascq: 0, valid: false, information: 0, sks: [0xcf, 0x00, 0x01] });
  const q = dev.prepare(Buffer.from([0xff, 0, 0, 0, 0, 0]));
  assert.ok(!q.ok);
  assert.deepEqual(keyAsc(q.result), [0x5, 0x20, 0x00]);
});

// ---- reads and writes ----

test('WRITE (10) then READ (10) round trip; neighbouring blocks untouched', async () => {
  const { disk, dev } = device();
  const before2 = Buffer.from(disk.block(2));
  const before5 = Buffer.from(disk.block(5));
  const data = pattern(2, 0x33);
  good(await exec(dev, write10(3, 2), data));
  assert.deepEqual(disk.writes, [{ lba: 3n, blocks: 2, fua: false }]);
  assert.deepEqual(good(await exec(dev, read10(3, 2))), data);
  assert.deepEqual(disk.block(2), before2);
  assert.deepEqual(disk.block(5), before5);
});

test('READ (6) and READ (16) return the stored blocks', async () => {
  const { disk, dev } = device();
  assert.deepEqual(good(await exec(dev, read6(7, 3))), disk.block(7, 3));
  assert.deepEqual(good(await exec(dev, read16(10n, 1))), disk.block(10));
});

test('WRITE (16) with a 4096-byte block size', async () => {
  const { disk, dev } = device({ blockSize: 4096, blocks: 8n });
  const data = pattern(1, 9, 4096);
  good(await exec(dev, write16(6n, 1), data));
  assert.deepEqual(disk.block(6), data);
});

test('FUA reaches the disk: WRITE (10) and WRITE (16) with FUA, without it not', async () => {
  const { disk, dev } = device();
  good(await exec(dev, write10(0, 1, true), pattern(1, 1)));
  good(await exec(dev, write16(1n, 1, true), pattern(1, 2)));
  good(await exec(dev, write10(2, 1, false), pattern(1, 3)));
  assert.deepEqual(
    disk.writes.map((w) => w.fua),
    [true, true, false],
  );
});

test('zero-block READ and WRITE: GOOD without touching the disk', async () => {
  const { disk, dev } = device();
  good(await exec(dev, read10(0, 0)));
  good(await exec(dev, write10(0, 0)));
  assert.deepEqual(disk.reads, []);
  assert.deepEqual(disk.writes, []);
});

test('disk errors: a failed read is MEDIUM ERROR / UNRECOVERED READ ERROR, a failed write MEDIUM ERROR / WRITE ERROR', async () => {
  const { disk, dev } = device();
  disk.failReads = true;
  assert.deepEqual(keyAsc(await exec(dev, read10(0, 1))), [0x3, 0x11, 0x00]);
  disk.failWrites = true;
  assert.deepEqual(keyAsc(await exec(dev, write10(0, 1), pattern(1, 0))), [0x3, 0x0c, 0x00]);
});

test('SYNCHRONIZE CACHE (10) and (16) flush the disk', async () => {
  const { disk, dev } = device();
  good(await exec(dev, sync10(0, 0)));
  assert.equal(disk.flushes, 1);
  good(await exec(dev, Buffer.from([0x91, 0, ...u64(0n), ...u32(0), 0, 0])));
  assert.equal(disk.flushes, 2);
});

test('TEST UNIT READY, START STOP UNIT, PREVENT ALLOW: GOOD with no data', async () => {
  const { dev } = device();
  for (const cdb of [[0x00, 0, 0, 0, 0, 0], [0x1b, 0, 0, 0, 1, 0], [0x1e, 0, 0, 0, 1, 0]]) assert.equal(good(await exec(dev, Buffer.from(cdb))).length, 0);
});

// ---- VERIFY ----

test('VERIFY BYTCHK 1: matching data GOOD; a mismatch in the second block is MISCOMPARE (0xe/0x1d) with INFORMATION = that LBA', async () => {
  const { disk, dev } = device();
  const stored = Buffer.from(disk.block(20, 3));
  good(await exec(dev, verify10(20, 3, 1), stored));
  const changed = Buffer.from(stored);
  changed[512 + 100] = changed[512 + 100]! ^ 0xff;
  assert.deepEqual(sense(await exec(dev, verify10(20, 3, 1), changed)), { key: 0xe, asc: 0x1d, ascq: 0x00, valid: true, information: 21, sks: [0, 0, 0] });
  assert.equal(disk.writes.length, 0, 'VERIFY writes nothing');
});

test('VERIFY BYTCHK 3: one block compared with each; BYTCHK 0: only read', async () => {
  const { disk, dev } = device();
  const block = pattern(1, 0x77);
  good(await exec(dev, writeSame10(30, 4), block));
  good(await exec(dev, verify10(30, 4, 3), block));
  disk.store[33 * 512] = disk.store[33 * 512]! ^ 1;
  const s = sense(await exec(dev, verify10(30, 4, 3), block));
  assert.deepEqual([s.key, s.asc, s.information], [0xe, 0x1d, 33]);
  good(await exec(dev, verify10(30, 4, 0)));
});

// ---- WRITE SAME ----

test('WRITE SAME (10) writes the one block sent into every block of the range', async () => {
  const { disk, dev } = device();
  const block = pattern(1, 0x5a);
  const before = Buffer.from(disk.block(50));
  good(await exec(dev, writeSame10(40, 10), block));
  for (let lba = 40; lba < 50; lba++) assert.deepEqual(disk.block(lba), block, `block ${lba}`);
  assert.deepEqual(disk.block(50), before);
  assert.deepEqual(disk.unmaps, []);
});

test('WRITE SAME (16) with NDOB writes zeros without Data-Out', async () => {
  const { disk, dev } = device();
  const p = dev.prepare(writeSame16(4n, 3, 0x01));
  assert.ok(p.ok);
  assert.equal(p.dataOut, 0);
  good(await dev.run(p.command, null));
  assert.deepEqual(disk.block(4, 3), Buffer.alloc(1536));
});

test('WRITE SAME with UNMAP on a thin disk and a zero block: the range is unmapped, not written', async () => {
  const { disk, dev } = device({ thin: true });
  good(await exec(dev, writeSame10(8, 16, true), Buffer.alloc(512)));
  assert.deepEqual(disk.unmaps, [[8n, 16]]);
  assert.deepEqual(disk.writes, []);
  good(await exec(dev, writeSame16(30n, 2, 0x09)));
  assert.deepEqual(disk.unmaps, [
    [8n, 16],
    [30n, 2],
  ]);
});

test('WRITE SAME with UNMAP on a thin disk but a nonzero block: written, not unmapped', async () => {
  const { disk, dev } = device({ thin: true });
  const block = pattern(1, 1);
  good(await exec(dev, writeSame10(8, 2, true), block));
  assert.deepEqual(disk.unmaps, []);
  assert.deepEqual(disk.block(8, 2), Buffer.concat([block, block]));
});

test('WRITE SAME with UNMAP on a fully provisioned disk: INVALID FIELD IN CDB pointing at the UNMAP bit (byte 1 bit 3)', () => {
  const { dev } = device({ thin: false });
  const p = dev.prepare(writeSame10(0, 1, true));
  assert.ok(!p.ok);
  assert.deepEqual(sense(p.result).sks, [0xc0 | 0x08 | 3, 0x00, 0x01]);
  assert.deepEqual(keyAsc(p.result), [0x5, 0x24, 0x00]);
});

// ---- UNMAP ----

/** UNMAP parameter list (SBC-3 §5.28.2): header with UNMAP DATA LENGTH (n-1) and BLOCK DESCRIPTOR DATA LENGTH, then 16-byte descriptors. */
function unmapList(ranges: Array<[bigint, number]>, override: { dataLength?: number; descriptorLength?: number } = {}): Buffer {
  const descriptors = ranges.map(([lba, n]) => Buffer.from([...u64(lba), ...u32(n), 0, 0, 0, 0]));
  const header = Buffer.from([...u16(override.dataLength ?? 6 + 16 * ranges.length), ...u16(override.descriptorLength ?? 16 * ranges.length), 0, 0, 0, 0]);
  return Buffer.concat([header, ...descriptors]);
}

test('UNMAP on a fully provisioned disk: not offered, INVALID COMMAND OPERATION CODE', () => {
  const { dev } = device({ thin: false });
  const p = dev.prepare(unmapCdb(24));
  assert.ok(!p.ok);
  assert.deepEqual(keyAsc(p.result), [0x5, 0x20, 0x00]);
});

test('UNMAP descriptors are applied in order; a descriptor of zero blocks is skipped', async () => {
  const { disk, dev } = device({ thin: true });
  const list = unmapList([
    [2n, 3],
    [10n, 0],
    [60n, 4],
  ]);
  good(await exec(dev, unmapCdb(list.length), list));
  assert.deepEqual(disk.unmaps, [
    [2n, 3],
    [60n, 4],
  ]);
});

test('UNMAP with an empty parameter list: GOOD, nothing unmapped', async () => {
  const { disk, dev } = device({ thin: true });
  const p = dev.prepare(unmapCdb(0));
  assert.ok(p.ok);
  assert.equal(p.dataOut, 0);
  good(await dev.run(p.command, null));
  assert.deepEqual(disk.unmaps, []);
});

const badLists: ReadonlyArray<[string, Buffer, [number, number, number]]> = [
  ['a list shorter than its 8-byte header', Buffer.from([0, 6, 0, 0]), [0x5, 0x1a, 0x00]],
  ['a descriptor length beyond the list', unmapList([[0n, 1]], { descriptorLength: 32 }), [0x5, 0x1a, 0x00]],
  ['a descriptor length not a multiple of 16', unmapList([[0n, 1]], { descriptorLength: 8 }), [0x5, 0x1a, 0x00]],
  ['more descriptors than Block Limits allows', unmapList(Array.from({ length: BLOCK_LIMITS.maxUnmapDescriptors + 1 }, (_, i): [bigint, number] => [BigInt(i % 60), 1])), [0x5, 0x26, 0x00]],
];
for (const [name, list, expected] of badLists) {
  test(`UNMAP with ${name}: ${expected[1] === 0x1a ? 'PARAMETER LIST LENGTH ERROR' : 'INVALID FIELD IN PARAMETER LIST'}, nothing unmapped`, async () => {
    const { disk, dev } = device({ thin: true });
    assert.deepEqual(keyAsc(await exec(dev, unmapCdb(list.length), list)), expected);
    assert.deepEqual(disk.unmaps, []);
  });
}

test('UNMAP of more blocks in one descriptor than Block Limits allows: INVALID FIELD IN PARAMETER LIST, nothing unmapped', async () => {
  const { disk, dev } = device({ thin: true, blocks: 1n << 32n, stored: 1 });
  const ok = unmapList([[0n, BLOCK_LIMITS.maxUnmapBlocks]]);
  good(await exec(dev, unmapCdb(ok.length), ok));
  assert.deepEqual(disk.unmaps, [[0n, BLOCK_LIMITS.maxUnmapBlocks]]);
  const list = unmapList([[0n, BLOCK_LIMITS.maxUnmapBlocks + 1]]);
  assert.deepEqual(keyAsc(await exec(dev, unmapCdb(list.length), list)), [0x5, 0x26, 0x00]);
  assert.equal(disk.unmaps.length, 1);
});

test('UNMAP with a range past the end: LBA OUT OF RANGE with INFORMATION = its LBA, and no earlier descriptor applied', async () => {
  const { disk, dev } = device({ thin: true, blocks: 64n });
  const list = unmapList([
    [0n, 4],
    [62n, 3],
  ]);
  assert.deepEqual(sense(await exec(dev, unmapCdb(list.length), list)), { key: 0x5, asc: 0x21, ascq: 0, valid: true, information: 62, sks: [0, 0, 0] });
  assert.deepEqual(disk.unmaps, []);
});

// ---- INQUIRY ----

test('INQUIRY standard data: SPC-4 version, HISUP, CMDQUE, vendor BRAMBLE, product, revision, version descriptors', async () => {
  const { dev } = device();
  const d = good(await exec(dev, inquiry(false, 0, 255)));
  assert.equal(d.length, 74);
  assert.equal(d[0], 0x00, 'peripheral qualifier 0, device type 0 (direct access)');
  assert.equal(d[1], 0x00, 'not removable');
  assert.equal(d[2], 0x06, 'VERSION: SPC-4');
  assert.equal(d[3], 0x12, 'HISUP, response data format 2');
  assert.equal(d[4], 69, 'ADDITIONAL LENGTH: n - 4');
  assert.equal(d[7], 0x02, 'CMDQUE');
  assert.equal(d.subarray(8, 16).toString('ascii'), 'BRAMBLE ');
  assert.equal(d.subarray(16, 32).toString('ascii'), 'BRAMBLE DISK    ');
  assert.equal(d.subarray(32, 36).toString('ascii'), '0001');
  assert.deepEqual([d.readUInt16BE(58), d.readUInt16BE(60), d.readUInt16BE(62), d.readUInt16BE(64)], [0x00a0, 0x0960, 0x0460, 0x04c0]);
});

test('INQUIRY allocation length cuts the data (36 bytes, 5 bytes, 0 bytes)', async () => {
  const { dev } = device();
  const full = good(await exec(dev, inquiry(false, 0, 255)));
  assert.deepEqual(good(await exec(dev, inquiry(false, 0, 36))), full.subarray(0, 36));
  assert.deepEqual(good(await exec(dev, inquiry(false, 0, 5))), full.subarray(0, 5));
  assert.equal(good(await exec(dev, inquiry(false, 0, 0))).length, 0);
});

test('VPD 0x00: the supported pages, ascending', async () => {
  const { dev } = device();
  assert.deepEqual([...good(await exec(dev, inquiry(true, 0x00, 255)))], [0x00, 0x00, 0x00, 0x06, 0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2]);
});

test('VPD 0x80: the unit serial number', async () => {
  const { dev } = device();
  const d = good(await exec(dev, inquiry(true, 0x80, 255)));
  assert.deepEqual([...d.subarray(0, 4)], [0x00, 0x80, 0x00, 6]);
  assert.equal(d.subarray(4).toString('ascii'), 'SN0042');
});

test('VPD 0x83: NAA 3, T10 vendor ID, relative target port, SCSI name string (no target port group: TPGS is 0)', async () => {
  const { dev } = device();
  const d = good(await exec(dev, inquiry(true, 0x83, 1024)));
  assert.deepEqual([d[0], d[1]], [0x00, 0x83]);
  assert.equal(d.readUInt16BE(2), d.length - 4, 'PAGE LENGTH');
  const found: Array<{ protocol: number; codeSet: number; piv: boolean; association: number; type: number; value: Buffer }> = [];
  for (let at = 4; at < d.length; ) {
    const length = d[at + 3]!;
    found.push({ protocol: d[at]! >> 4, codeSet: d[at]! & 0x0f, piv: (d[at + 1]! & 0x80) !== 0, association: (d[at + 1]! >> 4) & 3, type: d[at + 1]! & 0x0f, value: d.subarray(at + 4, at + 4 + length) });
    at += 4 + length;
  }
  assert.equal(found.length, 4);
  const [naa, t10, port, name] = found;
  // NAA: binary, logical unit, type 3, 8 bytes, NAA field 3 (locally assigned), then the 60-bit id.
  assert.deepEqual({ ...naa!, value: [...naa!.value] }, { protocol: 0, codeSet: 1, piv: false, association: 0, type: 3, value: [0x31, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef] });
  assert.equal(naa!.value[0]! >> 4, 3);
  assert.deepEqual({ ...t10!, value: t10!.value.toString('ascii') }, { protocol: 0, codeSet: 2, piv: false, association: 0, type: 1, value: 'BRAMBLE SN0042' });
  assert.deepEqual({ ...port!, value: [...port!.value] }, { protocol: 5, codeSet: 1, piv: true, association: 1, type: 4, value: [0, 0, 0, 1] });
  assert.deepEqual({ ...name!, value: undefined }, { protocol: 5, codeSet: 3, piv: true, association: 2, type: 8, value: undefined });
  // NUL-terminated and padded to a multiple of 4 (SPC-4 §7.8.6.11): 28 characters -> 32 bytes.
  assert.equal(name!.value.length, 32);
  assert.equal(name!.value.subarray(0, 28).toString('utf8'), identity.targetName);
  assert.deepEqual([...name!.value.subarray(28)], [0, 0, 0, 0]);
});

test('VPD 0x83: a target name whose length is a multiple of 4 still gets its NUL (4 more bytes)', async () => {
  const disk = new MemoryDisk();
  const dev = blockDevice(disk, { ...identity, targetName: 'iqn.2025-01.lan.bramble:abcd' });
  assert.equal('iqn.2025-01.lan.bramble:abcd'.length % 4, 0);
  const d = good(await exec(dev, inquiry(true, 0x83, 1024)));
  const tail = d.subarray(d.length - 32);
  assert.equal(tail.subarray(0, 28).toString('utf8'), 'iqn.2025-01.lan.bramble:abcd');
  assert.deepEqual([...tail.subarray(28)], [0, 0, 0, 0]);
  assert.equal(d[d.length - 33], 32, 'designator length');
});

test('VPD 0xB0 Block Limits on a thin disk: WSNZ, transfer lengths, unmap limits, granularity, WRITE SAME length', async () => {
  const { dev } = device({ thin: true });
  const d = good(await exec(dev, inquiry(true, 0xb0, 255)));
  assert.equal(d.length, 64);
  assert.deepEqual([d[1], d.readUInt16BE(2)], [0xb0, 0x3c]);
  assert.equal(d[4], 0x01, 'WSNZ');
  assert.equal(d.readUInt32BE(8), BLOCK_LIMITS.maxTransferBlocks, 'MAXIMUM TRANSFER LENGTH');
  assert.equal(d.readUInt32BE(12), BLOCK_LIMITS.optimalTransferBlocks, 'OPTIMAL TRANSFER LENGTH');
  assert.equal(d.readUInt32BE(16), 0, 'MAXIMUM PREFETCH LENGTH');
  assert.equal(d.readUInt32BE(20), BLOCK_LIMITS.maxUnmapBlocks, 'MAXIMUM UNMAP LBA COUNT');
  assert.equal(d.readUInt32BE(24), BLOCK_LIMITS.maxUnmapDescriptors, 'MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT');
  assert.equal(d.readUInt32BE(28), 1, 'OPTIMAL UNMAP GRANULARITY');
  assert.equal(d.readBigUInt64BE(36), BigInt(BLOCK_LIMITS.maxWriteSameBlocks), 'MAXIMUM WRITE SAME LENGTH');
  assert.ok(BLOCK_LIMITS.maxTransferBlocks > 0 && BLOCK_LIMITS.maxUnmapBlocks > 0 && BLOCK_LIMITS.maxWriteSameBlocks > 0);
});

test('VPD 0xB0 on a fully provisioned disk: no unmap limits', async () => {
  const { dev } = device({ thin: false });
  const d = good(await exec(dev, inquiry(true, 0xb0, 255)));
  assert.equal(d.readUInt32BE(20), 0);
  assert.equal(d.readUInt32BE(24), 0);
  assert.equal(d.readUInt32BE(28), 0);
  assert.equal(d.readUInt32BE(8), BLOCK_LIMITS.maxTransferBlocks);
});

test('VPD 0xB1: non-rotating medium', async () => {
  const { dev } = device();
  const d = good(await exec(dev, inquiry(true, 0xb1, 255)));
  assert.deepEqual([d[1], d.readUInt16BE(2), d.readUInt16BE(4)], [0xb1, 0x3c, 0x0001]);
});

test('VPD 0xB2 Logical Block Provisioning: LBPU, LBPWS, LBPWS10 and thin provisioning only when thin', async () => {
  const thin = good(await exec(device({ thin: true }).dev, inquiry(true, 0xb2, 255)));
  assert.deepEqual([...thin], [0x00, 0xb2, 0x00, 0x04, 0x00, 0xe0, 0x02, 0x00]);
  assert.equal(thin[5]! & 0x80, 0x80, 'LBPU');
  assert.equal(thin[5]! & 0x04, 0, 'LBPRZ clear');
  const full = good(await exec(device({ thin: false }).dev, inquiry(true, 0xb2, 255)));
  assert.deepEqual([...full], [0x00, 0xb2, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00]);
});

test('INQUIRY of a VPD page the device does not have: INVALID FIELD IN CDB at byte 2', async () => {
  const { dev } = device();
  assert.deepEqual(sense(await exec(dev, inquiry(true, 0x81, 255))), { key: 0x5, asc: 0x24, ascq: 0, valid: false, information: 0, sks: [0xc0, 0x00, 0x02] });
});

test('VPD page allocation length cuts the page', async () => {
  const { dev } = device();
  assert.deepEqual([...good(await exec(dev, inquiry(true, 0x00, 6)))], [0x00, 0x00, 0x00, 0x06, 0x00, 0x80]);
});

// ---- READ CAPACITY ----

test('READ CAPACITY (10): last LBA and block length', async () => {
  const { dev } = device({ blocks: 64n });
  assert.deepEqual([...good(await exec(dev, readCapacity10()))], [0, 0, 0, 63, 0, 0, 0x02, 0x00]);
});

test('READ CAPACITY (10) above 2^32 blocks: 0xFFFFFFFF (ask READ CAPACITY (16))', async () => {
  const { dev } = device({ blocks: (1n << 32n) + 1n, stored: 1 });
  assert.deepEqual([...good(await exec(dev, readCapacity10()))], [0xff, 0xff, 0xff, 0xff, 0, 0, 0x02, 0x00]);
  const exact = device({ blocks: 1n << 32n, stored: 1 }).dev;
  assert.deepEqual([...good(await exec(exact, readCapacity10())).subarray(0, 4)], [0xff, 0xff, 0xff, 0xff]);
  const below = device({ blocks: 0xffff_ffffn, stored: 1 }).dev;
  assert.deepEqual([...good(await exec(below, readCapacity10())).subarray(0, 4)], [0xff, 0xff, 0xff, 0xfe]);
});

test('READ CAPACITY (16): 64-bit last LBA, block length, LBPME set only when thin', async () => {
  const thin = good(await exec(device({ blocks: (1n << 40n) + 5n, stored: 1, thin: true, blockSize: 4096 }).dev, readCapacity16(32)));
  assert.equal(thin.length, 32);
  assert.equal(thin.readBigUInt64BE(0), (1n << 40n) + 4n);
  assert.equal(thin.readUInt32BE(8), 4096);
  assert.equal(thin[14], 0x80, 'LBPME');
  const full = good(await exec(device({ blocks: 64n }).dev, readCapacity16(32)));
  assert.equal(full.readBigUInt64BE(0), 63n);
  assert.equal(full[14], 0x00);
});

test('READ CAPACITY (16) allocation length cuts the data', async () => {
  const d = good(await exec(device({ blocks: 64n }).dev, readCapacity16(12)));
  assert.deepEqual([...d], [0, 0, 0, 0, 0, 0, 0, 63, 0, 0, 0x02, 0x00]);
});

// ---- MODE SENSE ----

test('MODE SENSE (6), caching page with block descriptor: header (DPOFUA 0x10), short LBA descriptor, caching page with WCE', async () => {
  const { dev } = device({ blocks: 64n });
  const d = good(await exec(dev, modeSense6(0x08)));
  assert.equal(d.length, 4 + 8 + 20);
  assert.deepEqual([...d.subarray(0, 4)], [d.length - 1, 0x00, 0x10, 0x08], 'MODE DATA LENGTH, MEDIUM TYPE, DEVICE-SPECIFIC (DPOFUA), BLOCK DESCRIPTOR LENGTH');
  assert.deepEqual([...d.subarray(4, 12)], [0, 0, 0, 64, 0, 0, 0x02, 0x00], 'NUMBER OF LOGICAL BLOCKS, reserved, LOGICAL BLOCK LENGTH');
  assert.deepEqual([d[12], d[13]], [0x08, 0x12], 'caching page code and length');
  assert.equal(d[14]! & 0x04, 0x04, 'WCE');
});

test('MODE SENSE (6) on a read-only disk: WP and DPOFUA (0x90)', async () => {
  const { dev } = device({ readOnly: true });
  assert.equal(good(await exec(dev, modeSense6(0x08)))[2], 0x90);
});

test('MODE SENSE (10), DBD: 8-byte header (length, DPOFUA at byte 3, no descriptor), caching page', async () => {
  const { dev } = device();
  const d = good(await exec(dev, modeSense10(0x08, { dbd: true })));
  assert.equal(d.length, 8 + 20);
  assert.equal(d.readUInt16BE(0), d.length - 2, 'MODE DATA LENGTH');
  assert.equal(d[3], 0x10, 'DPOFUA');
  assert.equal(d.readUInt16BE(6), 0, 'BLOCK DESCRIPTOR LENGTH');
  assert.deepEqual([d[8], d[9], d[10]! & 0x04], [0x08, 0x12, 0x04]);
  const ro = good(await exec(device({ readOnly: true }).dev, modeSense10(0x08, { dbd: true })));
  assert.equal(ro[3], 0x90);
});

test('MODE SENSE (10) with a block descriptor: BLOCK DESCRIPTOR LENGTH 8, blocks clamp to 0xFFFFFFFF above 32 bits', async () => {
  const { dev } = device({ blocks: (1n << 33n), stored: 1 });
  const d = good(await exec(dev, modeSense10(0x08)));
  assert.equal(d.readUInt16BE(6), 8);
  assert.deepEqual([...d.subarray(8, 16)], [0xff, 0xff, 0xff, 0xff, 0, 0, 0x02, 0x00]);
});

test('MODE SENSE changeable values (PC=1): WCE not changeable', async () => {
  const { dev } = device();
  const d = good(await exec(dev, modeSense6(0x08, { pc: 1, dbd: true })));
  assert.equal(d[4], 0x08);
  assert.equal(d[6]! & 0x04, 0);
});

test('MODE SENSE all pages (0x3F): caching, control, informational exceptions, in page order', async () => {
  const { dev } = device();
  const d = good(await exec(dev, modeSense10(0x3f, { dbd: true })));
  const pages: number[] = [];
  for (let at = 8; at < d.length; at += 2 + d[at + 1]!) pages.push(d[at]! & 0x3f);
  assert.deepEqual(pages, [0x08, 0x0a, 0x1c]);
  assert.equal(d.length, 8 + 20 + 12 + 12);
});

test('MODE SENSE saved values (PC=3): SAVING PARAMETERS NOT SUPPORTED (asc 0x39)', async () => {
  const { dev } = device();
  assert.deepEqual(keyAsc(await exec(dev, modeSense6(0x08, { pc: 3 }))), [0x5, 0x39, 0x00]);
  assert.deepEqual(keyAsc(await exec(dev, modeSense10(0x3f, { pc: 3 }))), [0x5, 0x39, 0x00]);
});

test('MODE SENSE of a page the device does not have, or a subpage: INVALID FIELD IN CDB at byte 2 bit 5', async () => {
  const { dev } = device();
  assert.deepEqual(sense(await exec(dev, modeSense6(0x01))).sks, [0xc0 | 0x08 | 5, 0x00, 0x02]);
  assert.deepEqual(keyAsc(await exec(dev, modeSense6(0x08, { subpage: 1 }))), [0x5, 0x24, 0x00]);
});

test('MODE SENSE allocation length cuts the data', async () => {
  const { dev } = device();
  const full = good(await exec(dev, modeSense6(0x08)));
  const cut = good(await exec(dev, modeSense6(0x08, { allocation: 4 })));
  assert.deepEqual(cut, full.subarray(0, 4));
  assert.equal(cut[0], full.length - 1, 'the header still tells the whole length');
});

test('MODE SENSE control page: GLTSD, queue algorithm modifier 1', async () => {
  const { dev } = device();
  const d = good(await exec(dev, modeSense6(0x0a, { dbd: true })));
  const page = d.subarray(4);
  assert.deepEqual([page[0], page[1]], [0x0a, 0x0a]);
  assert.equal(page[2]! & 0x02, 0x02, 'GLTSD');
  assert.equal(page[3]! >> 4, 1, 'QUEUE ALGORITHM MODIFIER');
});

test(
  'MODE SENSE control page: BUSY TIMEOUT PERIOD unlimited (0xFFFF) at page bytes 8-9, EXTENDED SELF-TEST COMPLETION TIME (bytes 10-11) not claimed (SPC-4 §7.5.8)',
  async () => {
    const { dev } = device();
    const page = good(await exec(dev, modeSense6(0x0a, { dbd: true }))).subarray(4);
    assert.equal(page.readUInt16BE(8), 0xffff);
    assert.equal(page.readUInt16BE(10), 0x0000);
  },
);

// ---- REPORT LUNS, REQUEST SENSE, REPORT SUPPORTED OPCODES ----

test('REPORT LUNS: one LUN, LUN 0 (LUN LIST LENGTH 8)', async () => {
  const { dev } = device();
  assert.deepEqual([...good(await exec(dev, reportLuns(4096)))], [0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(good(await exec(dev, reportLuns(16))).length, 16);
});

test('REQUEST SENSE fixed format: NO SENSE, response code 0x70, 18 bytes, cut to the allocation length', async () => {
  const { dev } = device();
  const d = good(await exec(dev, requestSense(false, 252)));
  assert.equal(d.length, 18);
  assert.deepEqual([d[0], d[2]! & 0x0f, d[7], d[12], d[13]], [0x70, 0x0, 10, 0x00, 0x00]);
  assert.deepEqual(good(await exec(dev, requestSense(false, 8))), d.subarray(0, 8));
});

test('REQUEST SENSE descriptor format: response code 0x72, NO SENSE, no descriptors', async () => {
  const { dev } = device();
  assert.deepEqual([...good(await exec(dev, requestSense(true, 252)))], [0x72, 0, 0, 0, 0, 0, 0, 0]);
});

test('REPORT SUPPORTED OPERATION CODES: not supported, INVALID FIELD IN CDB at the service action (byte 1 bit 4)', async () => {
  const { dev } = device();
  const r = await exec(dev, Buffer.from([0xa3, 0x0c, 0, 0, 0, 0, ...u32(512), 0, 0]));
  assert.deepEqual(sense(r).sks, [0xc0 | 0x08 | 4, 0x00, 0x01]);
});

test('info: what the device reports about itself comes from the disk and the identity', () => {
  const { dev } = device({ blocks: 100n, blockSize: 4096, readOnly: true, thin: true });
  assert.deepEqual(dev.info, { blockSize: 4096, blocks: 100n, readOnly: true, thin: true, ...identity });
});
