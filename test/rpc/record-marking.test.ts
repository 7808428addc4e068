// TCP record marking (RFC 5531 §11): the real nfs-ls client stream (two records, captured on lo by
// test/rpc/capture-fixtures.ts) fed at every split, multi-fragment records, limits refused at the header with
// bounded memory, and framing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { copyRecord, DEFAULT_MAX_RECORD, encodeRecord, frameRecord, RecordDecoder } from '../../src/rpc/record-marking.js';
import { decodeRpcCall } from '../../src/rpc/rpc-message.js';
import { BufferPool } from '../../src/net/buffer-pool.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'rpc');
const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function feed(decoder: RecordDecoder, chunks: readonly Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  for (const c of chunks) {
    const pushed = decoder.push(c);
    assert.equal(pushed.error, null, pushed.error?.detail);
    out.push(...pushed.records);
  }
  return out;
}

test('the nfs-ls stream gives its two calls, whole or split at any byte', () => {
  const stream = fixture('nfs-ls-getport-c0.stream');
  const expected = [fixture('nfs-ls-getport-c0-0-call.bin'), fixture('nfs-ls-getport-c0-1-call.bin')];
  assert.deepEqual(feed(new RecordDecoder(), [stream]), expected);
  for (let at = 0; at <= stream.length; at++) {
    assert.deepEqual(feed(new RecordDecoder(), [stream.subarray(0, at), stream.subarray(at)]), expected, `split at ${at}`);
  }
  const oneByteAtATime = feed(new RecordDecoder(), [...stream].map((b) => Buffer.from([b])));
  assert.deepEqual(oneByteAtATime, expected);
  for (const record of oneByteAtATime) assert.equal(decodeRpcCall(record).ok, true);
});

test('records own their bytes: the transport may read into the same buffer again once push returns', () => {
  const pool = new BufferPool(4 * DEFAULT_MAX_RECORD, DEFAULT_MAX_RECORD);
  const large = Buffer.alloc(300_000, 0x5a);
  const cases: Array<[string, Buffer]> = [
    ['small, one fragment', encodeRecord(hex('01020304'))],
    ['large, one fragment (pooled)', encodeRecord(large)],
    ['several fragments', hex('00000002 0102  80000002 0304')],
  ];
  for (const [label, stream] of cases) {
    const decoder = new RecordDecoder({ pool });
    // One reused read buffer, as the TCP transport reads: filled, pushed, overwritten.
    const reading = Buffer.alloc(64 * 1024);
    const records: Buffer[] = [];
    for (let at = 0; at < stream.length; at += reading.length) {
      const n = stream.copy(reading, 0, at, at + reading.length);
      records.push(...decoder.push(reading.subarray(0, n)).records);
      reading.fill(0xee);
    }
    assert.equal(records.length, 1, label);
    assert.deepEqual(records[0], label.startsWith('large') ? large : hex('01020304'), `${label}: intact after the buffer was reused`);
  }
});

test('a large record takes a pooled buffer only once 64 KiB of it arrived, not when announced', () => {
  const pool = new BufferPool(4 * DEFAULT_MAX_RECORD, DEFAULT_MAX_RECORD);
  // One idle buffer of the 1 MiB class: a record of 1 MiB takes it, and the pool's idle bytes show when.
  pool.give(pool.take(1024 * 1024));
  assert.equal(pool.idleBytes, 1024 * 1024);
  const decoder = new RecordDecoder({ pool });
  const stream = encodeRecord(Buffer.alloc(1024 * 1024, 1));
  decoder.push(stream.subarray(0, 4 + 65_535));
  assert.equal(pool.idleBytes, 1024 * 1024, 'announced and 64 KiB less a byte arrived: nothing taken');
  decoder.push(stream.subarray(4 + 65_535, 4 + 65_536));
  assert.equal(pool.idleBytes, 0, 'from 64 KiB on, the record is joined into a pooled buffer');
  const [record] = decoder.push(stream.subarray(4 + 65_536)).records;
  assert.equal(record?.length, 1024 * 1024);
  assert.ok(record?.every((b) => b === 1));
});

test('fragments without the last bit are joined into one record', () => {
  const stream = hex('00000004 01020304  00000002 0506  80000003 070809');
  assert.deepEqual(feed(new RecordDecoder(), [stream]), [hex('010203040506070809')]);
});

test('zero-length fragments are allowed, and an empty last fragment ends the record', () => {
  const stream = hex('00000000  00000002 0a0b  80000000  80000000');
  assert.deepEqual(feed(new RecordDecoder(), [stream]), [hex('0a0b'), Buffer.alloc(0)]);
});

test('a header announcing 2 GiB is refused at once, holding no more than its 4 bytes', () => {
  const decoder = new RecordDecoder();
  const pushed = decoder.push(hex('ffffffff'));
  assert.equal(pushed.error?.code, 'FRAGMENT_TOO_LONG');
  assert.deepEqual(pushed.records, []);
  assert.equal(decoder.bufferedBytes, 0);
  // The stream cannot be resynchronised: later bytes are ignored and the error repeats, so the server closes.
  const again = decoder.push(Buffer.alloc(1 << 20));
  assert.equal(again.error?.code, 'FRAGMENT_TOO_LONG');
  assert.equal(decoder.bufferedBytes, 0);
  assert.equal(decoder.error?.code, 'FRAGMENT_TOO_LONG');
});

test('a fragment over the per-fragment limit is FRAGMENT_TOO_LONG even before its body arrives', () => {
  const decoder = new RecordDecoder({ maxFragment: 8, maxRecord: 100 });
  assert.deepEqual(feed(decoder, [hex('80000008 0102030405060708')]), [hex('0102030405060708')]);
  assert.equal(decoder.push(hex('80000009')).error?.code, 'FRAGMENT_TOO_LONG');
});

test('fragments adding up over the per-record limit are RECORD_TOO_LONG at the header that crosses it', () => {
  const decoder = new RecordDecoder({ maxFragment: 8, maxRecord: 12 });
  assert.equal(decoder.push(hex('00000008 0102030405060708')).error, null);
  assert.equal(decoder.bufferedBytes, 8);
  const pushed = decoder.push(hex('80000005'));
  assert.equal(pushed.error?.code, 'RECORD_TOO_LONG');
  assert.equal(decoder.bufferedBytes, 0, 'what was held for the record is let go');
});

test('the default limit takes an NFS WRITE of 1 MiB with its headers', () => {
  const record = Buffer.alloc(1024 * 1024 + 512, 3);
  assert.ok(DEFAULT_MAX_RECORD >= record.length);
  const [out] = feed(new RecordDecoder(), [encodeRecord(record)]);
  assert.deepEqual(out, record);
});

test('a header split across chunks is held (at most 3 bytes) until it is whole', () => {
  const decoder = new RecordDecoder();
  assert.deepEqual(feed(decoder, [hex('80')]), []);
  assert.equal(decoder.bufferedBytes, 1);
  assert.deepEqual(feed(decoder, [hex('0000'), hex('02 abcd')]), [hex('abcd')]);
  assert.equal(decoder.bufferedBytes, 0);
});

test('copyRecord: the chunks in one last fragment, the same bytes frameRecord sends', () => {
  const chunks = [hex('01020304'), hex('0506'), hex('')];
  assert.deepEqual(copyRecord(chunks, 6), hex('80000006 01020304 0506'));
  assert.deepEqual(copyRecord(chunks, 6), Buffer.concat(frameRecord(chunks)));
  assert.deepEqual(copyRecord([], 0), hex('80000000'));
});

test('frameRecord: one fragment by default, with the last-fragment bit', () => {
  const framed = frameRecord([hex('01020304'), hex('0506')]);
  assert.deepEqual(Buffer.concat(framed), hex('80000006 01020304 0506'));
});

test('frameRecord splits into fragments of at most maxFragment, across chunk edges, without copying', () => {
  const big = Buffer.alloc(10, 0xee);
  const framed = frameRecord([hex('0102'), big, hex('03')], 4);
  assert.deepEqual(Buffer.concat(framed), hex('00000004 0102eeee 00000004 eeeeeeee 00000004 eeeeeeee 80000001 03'));
  assert.ok(framed.some((piece) => piece.buffer === big.buffer && piece.length === 4), 'payload pieces are views');
  assert.deepEqual(feed(new RecordDecoder(), [Buffer.concat(framed)]), [Buffer.concat([hex('0102'), big, hex('03')])]);
});

test('frameRecord of an empty record is one empty last fragment; a bad maxFragment is a RangeError', () => {
  assert.deepEqual(Buffer.concat(frameRecord([])), hex('80000000'));
  assert.deepEqual(Buffer.concat(frameRecord([Buffer.alloc(0), hex('01')], 1)), hex('80000001 01'));
  assert.throws(() => frameRecord([hex('01')], 0), RangeError);
  assert.throws(() => frameRecord([hex('01')], 2 ** 31), RangeError);
});
