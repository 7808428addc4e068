// Cutting a byte stream into iSCSI PDUs (RFC 7143 §11.2: BHS, AHS, header digest, padded data, data digest; CRC32C digests per §13.1) however the bytes arrive.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c } from '../../src/iscsi/crc32c.js';
import { BufferPool } from '../../src/net/buffer-pool.js';
import { framePdu, PduFramer, type FramedPdu, type FramerSettings } from '../../src/iscsi/pdu-framer.js';

const pad4 = (n: number): number => Math.ceil(n / 4) * 4;

/** A BHS with only what framing reads: opcode, TotalAHSLength, DataSegmentLength, and a tag to tell PDUs apart. */
function rawBhs(tag: number, ahsWords: number, dataLength: number, opcode = 0x01): Buffer {
  const b = Buffer.alloc(48);
  b[0] = opcode;
  b[4] = ahsWords;
  b[5] = (dataLength >>> 16) & 0xff;
  b[6] = (dataLength >>> 8) & 0xff;
  b[7] = dataLength & 0xff;
  b.writeUInt32BE(tag, 16);
  return b;
}

interface Pdu {
  readonly bhs: Buffer;
  readonly ahs: Buffer;
  readonly data: Buffer;
}

function pdu(tag: number, ahsBytes: number, dataLength: number): Pdu {
  const ahs = Buffer.from(Array.from({ length: ahsBytes }, (_, i) => 0xa0 + i));
  const data = Buffer.from(Array.from({ length: dataLength }, (_, i) => (tag * 31 + i * 7) & 0xff));
  return { bhs: rawBhs(tag, ahsBytes / 4, dataLength), ahs, data };
}

const le32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0, 0);
  return b;
};

/** The PDU as an initiator puts it on the wire, written here independently of framePdu. */
function wire(p: Pdu, digests: { readonly header: boolean; readonly data: boolean }, spoil: { header?: boolean; data?: boolean } = {}): Buffer {
  const header = Buffer.concat([p.bhs, p.ahs]);
  const parts: Buffer[] = [header];
  if (digests.header) parts.push(le32(crc32c(header) ^ (spoil.header ? 1 : 0)));
  if (p.data.length > 0) {
    const padded = Buffer.concat([p.data, Buffer.alloc(pad4(p.data.length) - p.data.length)]);
    parts.push(padded);
    if (digests.data) parts.push(le32(crc32c(padded) ^ (spoil.data ? 0x8000_0000 : 0)));
  }
  return Buffer.concat(parts);
}

const plain: FramerSettings = { headerDigest: false, dataDigest: false, maxDataLength: 8192 };
const digested: FramerSettings = { headerDigest: true, dataDigest: true, maxDataLength: 8192 };

/** What a framed PDU carries, as plain values to compare. */
const view = (f: FramedPdu): { bhs: number[]; ahs: number[]; data: number[]; ok: boolean } => ({
  bhs: [...f.bhs],
  ahs: [...f.ahs],
  data: [...f.data],
  ok: f.dataDigestOk,
});
const expectedView = (p: Pdu, ok = true): ReturnType<typeof view> => ({ bhs: [...p.bhs], ahs: [...p.ahs], data: [...p.data], ok });

/** Pushes each chunk and gathers the PDUs; fails on any framing error. */
function frameAll(settings: FramerSettings, chunks: Buffer[]): { pdus: FramedPdu[]; framer: PduFramer } {
  const framer = new PduFramer(settings);
  const pdus: FramedPdu[] = [];
  for (const c of chunks) {
    const r = framer.push(c);
    assert.equal(r.error, null);
    pdus.push(...r.pdus);
  }
  return { pdus, framer };
}

// No data, data needing 1/2/3 bytes of padding, data a multiple of 4, AHS with and without data.
const stream: Pdu[] = [pdu(1, 0, 0), pdu(2, 0, 5), pdu(3, 8, 6), pdu(4, 4, 0), pdu(5, 0, 7), pdu(6, 0, 16), pdu(7, 12, 3)];

for (const [name, settings] of [
  ['no digests', plain],
  ['header and data digests', digested],
  ['header digest only', { ...plain, headerDigest: true }],
  ['data digest only', { ...plain, dataDigest: true }],
] as const) {
  const d = { header: settings.headerDigest, data: settings.dataDigest };
  const bytes = Buffer.concat(stream.map((p) => wire(p, d)));
  const expected = stream.map((p) => expectedView(p));

  test(`${name}: one chunk gives every PDU in order, nothing left buffered`, () => {
    const { pdus, framer } = frameAll(settings, [bytes]);
    assert.deepEqual(pdus.map(view), expected);
    assert.equal(framer.buffered, 0);
  });

  test(`${name}: byte by byte gives the same PDUs`, () => {
    const chunks = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
    const { pdus, framer } = frameAll(settings, chunks);
    assert.deepEqual(pdus.map(view), expected);
    assert.equal(framer.buffered, 0);
  });

  test(`${name}: split in two at every offset gives the same PDUs`, () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { pdus, framer } = frameAll(settings, [bytes.subarray(0, cut), bytes.subarray(cut)]);
      assert.deepEqual(pdus.map(view), expected, `cut at ${cut}`);
      assert.equal(framer.buffered, 0, `cut at ${cut}`);
    }
  });

  test(`${name}: read as the shared-buffer reader reads (one buffer reused for every read, the rest of a data segment in place), every cut gives the same PDUs`, () => {
    // The shared buffer is overwritten after each push: a PDU that kept a view of it would change.
    for (const readBytes of [1, 3, 7, 48, 50, 64, 100, bytes.length]) {
      const framer = new PduFramer(settings, new BufferPool(1024 * 1024));
      const shared = Buffer.alloc(readBytes);
      const got: FramedPdu[] = [];
      let offset = 0;
      while (offset < bytes.length) {
        const target = framer.inPlaceTarget();
        const into = target ?? shared;
        const n = bytes.copy(into, 0, offset, offset + Math.min(readBytes, into.length));
        offset += n;
        const r = target === null ? framer.push(shared.subarray(0, n), true) : framer.pushInPlace(n);
        assert.equal(r.error, null);
        got.push(...r.pdus);
        shared.fill(0xee);
      }
      assert.deepEqual(got.map(view), expected, `reads of ${readBytes} bytes`);
      assert.equal(framer.buffered, 0);
    }
  });

  test(`${name}: uneven chunks (1, 2, 3, ... bytes) give the same PDUs, and each PDU comes with the chunk that completes it`, () => {
    const framer = new PduFramer(settings);
    const ends: number[] = [];
    let at = 0;
    for (const p of stream) {
      at += wire(p, d).length;
      ends.push(at);
    }
    const got: FramedPdu[] = [];
    let offset = 0;
    for (let size = 1; offset < bytes.length; size++) {
      const chunk = bytes.subarray(offset, offset + size);
      const r = framer.push(chunk);
      assert.equal(r.error, null);
      const completed = ends.filter((e) => e > offset && e <= offset + chunk.length).length;
      assert.equal(r.pdus.length, completed, `chunk at ${offset}`);
      got.push(...r.pdus);
      offset += chunk.length;
    }
    assert.deepEqual(got.map(view), expected);
  });
}

test('AHS and padding: the AHS is TotalAHSLength*4 bytes, data is cut to DataSegmentLength, padding is skipped', () => {
  const p = pdu(9, 8, 5);
  const next = pdu(10, 0, 1);
  const bytes = Buffer.concat([wire(p, { header: false, data: false }), wire(next, { header: false, data: false })]);
  // 48 BHS + 8 AHS + 5 data + 3 padding, then the next PDU
  assert.equal(bytes.length, 48 + 8 + 8 + 48 + 4);
  const { pdus } = frameAll(plain, [bytes]);
  assert.equal(pdus.length, 2);
  assert.deepEqual([...pdus[0]!.ahs], [0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7]);
  assert.equal(pdus[0]!.data.length, 5);
  assert.deepEqual(pdus[0]!.data, p.data);
  assert.equal(pdus[1]!.bhs.readUInt32BE(16), 10);
  assert.equal(pdus[1]!.data.length, 1);
});

test('a PDU not yet complete stays buffered and nothing is framed', () => {
  const bytes = wire(pdu(1, 4, 10), { header: true, data: true });
  const framer = new PduFramer(digested);
  const r = framer.push(bytes.subarray(0, bytes.length - 1));
  assert.deepEqual(r, { pdus: [], error: null });
  assert.equal(framer.buffered, bytes.length - 1);
  assert.equal(framer.push(bytes.subarray(bytes.length - 1)).pdus.length, 1);
  assert.equal(framer.buffered, 0);
});

test('data digest golden bytes: 32 zero bytes digest to 0x8a9136aa (RFC 3720 B.4), on the wire as aa 36 91 8a', () => {
  const bhs = rawBhs(1, 0, 32);
  const data = Buffer.alloc(32);
  const bytes = Buffer.concat([bhs, data, Buffer.from([0xaa, 0x36, 0x91, 0x8a])]);
  const { pdus } = frameAll({ ...plain, dataDigest: true }, [bytes]);
  assert.equal(pdus.length, 1);
  assert.equal(pdus[0]!.dataDigestOk, true);
  // framePdu writes the same four bytes
  const out = Buffer.concat(framePdu(bhs, data, { header: false, data: true }));
  assert.deepEqual([...out.subarray(80)], [0xaa, 0x36, 0x91, 0x8a]);
});

test('header digest right: accepted; the same digest written big-endian is a header digest error', () => {
  const p = pdu(1, 4, 0);
  const header = Buffer.concat([p.bhs, p.ahs]);
  const { pdus } = frameAll({ ...plain, headerDigest: true }, [Buffer.concat([header, le32(crc32c(header))])]);
  assert.equal(pdus.length, 1);
  assert.deepEqual(pdus[0]!.ahs, p.ahs);
  const be = Buffer.alloc(4);
  be.writeUInt32BE(crc32c(header), 0);
  assert.notDeepEqual(be, le32(crc32c(header)));
  const r = new PduFramer({ ...plain, headerDigest: true }).push(Buffer.concat([header, be]));
  assert.deepEqual(r.error, { code: 'HEADER_DIGEST' });
});

test('header digest covers the AHS too: a changed AHS byte is a header digest error', () => {
  const p = pdu(1, 8, 0);
  const bytes = wire(p, { header: true, data: false });
  bytes[50] = bytes[50]! ^ 0x01; // inside the AHS
  const r = new PduFramer({ ...plain, headerDigest: true }).push(bytes);
  assert.deepEqual(r, { pdus: [], error: { code: 'HEADER_DIGEST' } });
});

test('header digest wrong: HEADER_DIGEST, PDUs before it delivered, nothing after it framed, ever', () => {
  const d = { header: true, data: true };
  const good = wire(pdu(1, 0, 4), d);
  const bad = wire(pdu(2, 0, 4), d, { header: true });
  const after = wire(pdu(3, 0, 0), d);
  const framer = new PduFramer(digested);
  const r = framer.push(Buffer.concat([good, bad, after]));
  assert.equal(r.pdus.length, 1);
  assert.equal(r.pdus[0]!.bhs.readUInt32BE(16), 1);
  assert.deepEqual(r.error, { code: 'HEADER_DIGEST' });
  const later = framer.push(wire(pdu(4, 0, 0), d));
  assert.deepEqual(later, { pdus: [], error: { code: 'HEADER_DIGEST' } });
});

test('data digest wrong: the PDU comes with dataDigestOk false and framing goes on', () => {
  const d = { header: true, data: true };
  const bytes = Buffer.concat([wire(pdu(1, 0, 6), d, { data: true }), wire(pdu(2, 0, 6), d)]);
  const { pdus } = frameAll(digested, [bytes]);
  assert.deepEqual(
    pdus.map((p) => [p.bhs.readUInt32BE(16), p.dataDigestOk]),
    [
      [1, false],
      [2, true],
    ],
  );
  assert.deepEqual(pdus[0]!.data, pdu(1, 0, 6).data);
});

test('data digest covers the padding: a nonzero padding byte is a data digest mismatch', () => {
  const p = pdu(1, 0, 5);
  const bytes = wire(p, { header: false, data: true });
  bytes[48 + 6] = 0x55; // a padding byte, after the digest was computed over zeros
  const { pdus } = frameAll({ ...plain, dataDigest: true }, [bytes]);
  assert.equal(pdus[0]!.dataDigestOk, false);
  assert.deepEqual(pdus[0]!.data, p.data);
});

test('no data segment means no data digest either', () => {
  const bytes = Buffer.concat([wire(pdu(1, 0, 0), { header: true, data: true }), wire(pdu(2, 0, 2), { header: true, data: true })]);
  assert.equal(bytes.length, 52 + 52 + 4 + 4);
  const { pdus, framer } = frameAll(digested, [bytes]);
  assert.deepEqual(
    pdus.map((p) => [p.bhs.readUInt32BE(16), p.data.length, p.dataDigestOk]),
    [
      [1, 0, true],
      [2, 2, true],
    ],
  );
  assert.equal(framer.buffered, 0);
});

test('DATA_TOO_LONG as soon as the BHS is in, before its data arrives, and nothing more is held', () => {
  const framer = new PduFramer({ ...plain, maxDataLength: 1024 });
  const r = framer.push(rawBhs(1, 0, 1025));
  assert.deepEqual(r, { pdus: [], error: { code: 'DATA_TOO_LONG', length: 1025, limit: 1024 } });
  assert.equal(framer.buffered, 48);
  // What follows is not taken in: the buffer does not grow toward the announced 1025 bytes.
  const later = framer.push(Buffer.alloc(4096));
  assert.deepEqual(later, { pdus: [], error: { code: 'DATA_TOO_LONG', length: 1025, limit: 1024 } });
  assert.equal(framer.buffered, 48);
});

test('DATA_TOO_LONG after earlier PDUs: those are delivered; a segment of exactly the limit is accepted', () => {
  const framer = new PduFramer({ ...plain, maxDataLength: 8 });
  const exact = pdu(1, 0, 8);
  const r = framer.push(Buffer.concat([wire(exact, { header: false, data: false }), rawBhs(2, 0, 9)]));
  assert.equal(r.pdus.length, 1);
  assert.deepEqual(r.pdus[0]!.data, exact.data);
  assert.deepEqual(r.error, { code: 'DATA_TOO_LONG', length: 9, limit: 8 });
});

test('new settings apply to the next PDU cut: login without digests, then full feature with them', () => {
  const framer = new PduFramer(plain);
  const first = framer.push(wire(pdu(1, 0, 3), { header: false, data: false }));
  assert.equal(first.pdus.length, 1);
  framer.settings = digested;
  const second = framer.push(wire(pdu(2, 0, 3), { header: true, data: true }));
  assert.equal(second.error, null);
  assert.deepEqual(second.pdus.map(view), [expectedView(pdu(2, 0, 3))]);
});

const digestCombos = [
  { header: false, data: false },
  { header: true, data: false },
  { header: false, data: true },
  { header: true, data: true },
] as const;

for (const digests of digestCombos) {
  test(`framePdu -> PduFramer round trip (header digest ${digests.header}, data digest ${digests.data}), data of 0 to 9 bytes and none`, () => {
    for (const length of [null, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) {
      const data = length === null ? null : Buffer.from(Array.from({ length }, (_, i) => 0x30 + i));
      const bhs = rawBhs(0x77, 0, data?.length ?? 0, 0x25);
      const pieces = framePdu(bhs, data, digests);
      const bytes = Buffer.concat(pieces);
      const n = data?.length ?? 0;
      assert.equal(bytes.length, 48 + (digests.header ? 4 : 0) + (n > 0 ? pad4(n) + (digests.data ? 4 : 0) : 0), `length ${length}`);
      if (n > 0) {
        const start = 48 + (digests.header ? 4 : 0) + n;
        assert.deepEqual([...bytes.subarray(start, start + pad4(n) - n)], new Array(pad4(n) - n).fill(0), `padding is zeros (length ${length})`);
      }
      if (digests.header) assert.equal(bytes.readUInt32LE(48), crc32c(bhs), 'header digest little-endian after the BHS');
      const { pdus, framer } = frameAll({ headerDigest: digests.header, dataDigest: digests.data, maxDataLength: 64 }, [bytes]);
      assert.equal(pdus.length, 1, `length ${length}`);
      assert.deepEqual(pdus[0]!.bhs, bhs);
      assert.deepEqual(pdus[0]!.data, data ?? Buffer.alloc(0));
      assert.equal(pdus[0]!.dataDigestOk, true);
      assert.equal(framer.buffered, 0);
    }
  });
}

test('framePdu takes a Uint8Array view (not a Buffer) at an offset and frames exactly its bytes', () => {
  const backing = new Uint8Array([9, 9, 1, 2, 3, 4, 5, 9]);
  const data = backing.subarray(2, 7);
  const bhs = rawBhs(1, 0, 5, 0x24);
  const bytes = Buffer.concat(framePdu(bhs, data, { header: true, data: true }));
  const { pdus } = frameAll(digested, [bytes]);
  assert.deepEqual([...pdus[0]!.data], [1, 2, 3, 4, 5]);
  assert.equal(pdus[0]!.dataDigestOk, true);
});
