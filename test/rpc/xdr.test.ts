// XDR reader and writer (RFC 4506 §4): golden layouts built by hand from the RFC, round trips, one test per
// malformed input, and the documented decisions (hypers as bigint, lenient fill bytes unless strict).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tryDecode, XdrDecodeError } from '../../src/rpc/xdr-error.js';
import type { XdrErrorCode } from '../../src/rpc/xdr-error.js';
import { XdrReader } from '../../src/rpc/xdr-reader.js';
import { XdrWriter } from '../../src/rpc/xdr-writer.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function failsWith(code: XdrErrorCode, read: (r: XdrReader) => unknown, bytes: Buffer, strictPadding = false): XdrDecodeError {
  const r = new XdrReader(bytes, { strictPadding });
  let caught: unknown;
  try {
    read(r);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof XdrDecodeError, `expected an XdrDecodeError, got ${String(caught)}`);
  assert.equal(caught.code, code);
  return caught;
}

test('integers, bool and enum are big-endian 4-byte units (RFC 4506 §4.1-4.4)', () => {
  const bytes = hex('ffffffff fffffffe 00000001 00000000 00000002');
  const r = new XdrReader(bytes);
  assert.equal(r.int(), -1);
  assert.equal(r.uint(), 0xfffffffe);
  assert.equal(r.bool(), true);
  assert.equal(r.bool(), false);
  assert.equal(r.enumOf(new Set([1, 2, 3])), 2);
  assert.equal(r.remaining, 0);
  const w = new XdrWriter(16).int(-1).uint(0xfffffffe).bool(true).bool(false).enum(2);
  assert.deepEqual(w.toBuffer(), bytes);
});

test('hypers are bigint over all 64 bits; uhyperNumber gives numbers up to 2^53 - 1 (RFC 4506 §4.5)', () => {
  const bytes = hex('ffffffff ffffffff  ffffffff ffffffff  001fffff ffffffff  00000001 00000002');
  const r = new XdrReader(bytes);
  assert.equal(r.hyper(), -1n);
  assert.equal(r.uhyper(), 0xffff_ffff_ffff_ffffn);
  assert.equal(r.uhyperNumber(), Number.MAX_SAFE_INTEGER);
  assert.equal(r.uhyperNumber(), 0x1_0000_0002);
  const w = new XdrWriter(8).hyper(-1n).uhyper(0xffff_ffff_ffff_ffffn).uhyper(Number.MAX_SAFE_INTEGER).uhyper(0x1_0000_0002);
  assert.deepEqual(w.toBuffer(), bytes);
});

test('uhyperNumber refuses 2^53 with UNSAFE_INTEGER instead of rounding', () => {
  const error = failsWith('UNSAFE_INTEGER', (r) => r.uhyperNumber(), hex('00200000 00000000'));
  assert.equal(error.offset, 0);
});

test('opaque and string are padded to 4 bytes with zeros (RFC 4506 §4.9-4.11)', () => {
  const golden = hex('00000005 68656c6c 6f000000  00000000  616263 00  00000004 74657374');
  const w = new XdrWriter(4).string('hello').opaque(new Uint8Array(0)).fixedOpaque(Buffer.from('abc')).opaque(Buffer.from('test'));
  assert.deepEqual(w.toBuffer(), golden);
  const r = new XdrReader(golden, { strictPadding: true });
  assert.equal(r.string(8), 'hello');
  assert.equal(r.opaque(8).length, 0);
  assert.deepEqual(r.fixedOpaque(3), Buffer.from('abc'));
  assert.deepEqual(r.opaque(4), Buffer.from('test'));
  assert.equal(r.remaining, 0);
});

test('opaques are views of the input, not copies', () => {
  const bytes = hex('00000004 01020304');
  const data = new XdrReader(bytes).opaque(4);
  bytes[4] = 0xaa;
  assert.equal(data[0], 0xaa);
});

test('a plain Uint8Array is read as well as a Buffer, from a start offset', () => {
  const u8 = new Uint8Array([9, 9, 0, 0, 0, 7]);
  assert.equal(new XdrReader(u8, {}, 2).uint(), 7);
});

test('non-zero fill bytes are accepted by default (as libtirpc and Linux do)', () => {
  const r = new XdrReader(hex('00000001 41ffffff'));
  assert.equal(r.string(4), 'A');
});

test('non-zero fill bytes are BAD_PADDING when strict', () => {
  const error = failsWith('BAD_PADDING', (r) => r.string(4), hex('00000001 4100ff00'), true);
  assert.equal(error.offset, 6);
});

test('each read past the end is SHORT', () => {
  failsWith('SHORT', (r) => r.int(), hex('000000'));
  failsWith('SHORT', (r) => r.uint(), hex(''));
  failsWith('SHORT', (r) => r.hyper(), hex('00000000 000000'));
  failsWith('SHORT', (r) => r.uhyper(), hex('00000000'));
  failsWith('SHORT', (r) => r.bool(), hex('00'));
  failsWith('SHORT', (r) => r.fixedOpaque(3), hex('010203'));
});

test('an opaque length past the end is SHORT and refused before reading or allocating', () => {
  const error = failsWith('SHORT', (r) => r.opaque(0xffffffff), hex('ffffffff 00000000'));
  assert.equal(error.offset, 0);
  failsWith('SHORT', (r) => r.opaque(100), hex('00000005 01020304'));
});

test('an opaque or string above its maximum is TOO_LONG, checked before the remaining bytes', () => {
  failsWith('TOO_LONG', (r) => r.string(4), hex('00000005 68656c6c 6f000000'));
  failsWith('TOO_LONG', (r) => r.opaque(16), hex('ffffffff'));
});

test('a bool other than 0 or 1 is BAD_BOOL', () => {
  failsWith('BAD_BOOL', (r) => r.bool(), hex('00000002'));
});

test('an enum outside its declared values is BAD_ENUM', () => {
  failsWith('BAD_ENUM', (r) => r.enumOf(new Set([0, 1])), hex('ffffffff'));
});

test('arrays are counted; a count above max is TOO_LONG and a count the bytes cannot hold is SHORT', () => {
  const golden = hex('00000003 00000001 00000002 00000003');
  assert.deepEqual(new XdrReader(golden).array(3, (r) => r.uint()), [1, 2, 3]);
  assert.deepEqual(new XdrWriter().array([1, 2, 3], (w, v) => w.uint(v)).toBuffer(), golden);
  failsWith('TOO_LONG', (r) => r.array(2, (x) => x.uint()), golden);
  let items = 0;
  failsWith('SHORT', (r) => r.array(0xffffffff, (x) => { items++; return x.uint(); }), hex('ffffffff 00000001'));
  assert.equal(items, 0, 'no item is read once the count is known not to fit');
});

test('optional-data and linked lists (RFC 4506 §4.19)', () => {
  const golden = hex('00000001 00000007  00000000  00000001 0000000a 00000001 0000000b 00000000');
  const r = new XdrReader(golden);
  assert.equal(r.optional((x) => x.uint()), 7);
  assert.equal(r.optional((x) => x.uint()), null);
  assert.deepEqual(r.list(4, (x) => x.uint()), [10, 11]);
  const w = new XdrWriter().optional(7, (x, v) => x.uint(v)).optional(null, (x, v: number) => x.uint(v)).list([10, 11], (x, v) => x.uint(v));
  assert.deepEqual(w.toBuffer(), golden);
});

test('a linked list longer than its maximum is TOO_LONG; one that never ends is SHORT', () => {
  failsWith('TOO_LONG', (r) => r.list(1, (x) => x.uint()), hex('00000001 0000000a 00000001 0000000b 00000000'));
  failsWith('SHORT', (r) => r.list(10, (x) => x.uint()), hex('00000001 0000000a 00000001'));
  failsWith('BAD_BOOL', (r) => r.list(10, (x) => x.uint()), hex('00000003'));
});

test('rest() is a view of what is left', () => {
  const r = new XdrReader(hex('00000001 0a0b0c'));
  r.uint();
  assert.deepEqual(r.rest(), hex('0a0b0c'));
  assert.equal(r.remaining, 0);
});

test('tryDecode turns typed errors into results and keeps the offset', () => {
  const result = tryDecode(() => {
    const r = new XdrReader(hex('00000001 00000009'));
    r.uint();
    return r.bool();
  });
  assert.deepEqual(result.ok ? null : [result.code, result.offset], ['BAD_BOOL', 4]);
  assert.deepEqual(tryDecode(() => 5), { ok: true, value: 5 });
});

test('the writer grows from a tiny buffer through many small writes', () => {
  const w = new XdrWriter(16);
  for (let i = 0; i < 10_000; i++) w.uint(i);
  const out = w.toBuffer();
  assert.equal(out.length, 40_000);
  assert.equal(w.length, 40_000);
  const r = new XdrReader(out);
  for (let i = 0; i < 10_000; i++) assert.equal(r.uint(), i);
});

test('appendOpaque keeps a large payload by reference, with its length before it and fill after it', () => {
  const payload = Buffer.alloc(1023, 0x5a);
  const w = new XdrWriter(64).uint(1).appendOpaque(payload).uint(2);
  const chunks = w.chunks();
  assert.equal(chunks.length, 3);
  assert.equal(chunks[1], payload, 'the payload chunk is the caller’s own Buffer');
  assert.deepEqual(chunks[0], hex('00000001 000003ff'));
  assert.deepEqual(chunks[2], hex('00 00000002'));
  const r = new XdrReader(w.toBuffer(), { strictPadding: true });
  assert.equal(r.uint(), 1);
  assert.deepEqual(r.opaque(2048), payload);
  assert.equal(r.uint(), 2);
  assert.equal(w.length, 4 + 4 + 1024 + 4);
});

test('small appended payloads are copied into the buffer, not kept as chunks', () => {
  const small = Buffer.from('abcd');
  const w = new XdrWriter().appendOpaque(small).appendRaw(small);
  assert.equal(w.chunks().length, 1);
  assert.deepEqual(w.toBuffer(), hex('00000004 61626364 61626364'));
});

test('chunks written before a growth keep their bytes', () => {
  const w = new XdrWriter(16).uint(7).appendRaw(Buffer.alloc(600, 1));
  for (let i = 0; i < 100; i++) w.uint(i);
  const all = w.toBuffer();
  assert.equal(all.readUInt32BE(0), 7);
  assert.equal(all[4], 1);
  assert.equal(all.readUInt32BE(4 + 600 + 99 * 4), 99);
});

test('copySince copies what was written after an offset, across appended chunks', () => {
  const w = new XdrWriter(16).uint(7).appendRaw(Buffer.alloc(600, 1)).uint(8);
  const all = w.toBuffer();
  for (const offset of [0, 4, 5, 604, 608]) assert.deepEqual(w.copySince(offset), all.subarray(offset), `from ${offset}`);
  const copy = w.copySince(4);
  w.uint(9);
  assert.equal(copy.length, 604, 'a copy, not a view that grows');
});

test('out-of-range values are programming errors: RangeError', () => {
  assert.throws(() => new XdrWriter().uint(-1), RangeError);
  assert.throws(() => new XdrWriter().int(0x8000_0000), RangeError);
  assert.throws(() => new XdrWriter().uhyper(-1n), RangeError);
});
