// Small kept byte strings packed into slabs of their own (kept-bytes.ts): no overlap, no shared slab with Node's pool.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeptBytes } from '../../src/net/kept-bytes.js';

test('takes are views of one 64 KiB slab of their own, one after another, never overlapping', () => {
  const kept = new KeptBytes();
  const a = kept.take(28);
  const b = kept.take(84);
  const c = kept.take(3);
  assert.equal(a.buffer, b.buffer, 'one slab');
  assert.equal(a.buffer.byteLength, 64 * 1024);
  // Node's own pool for small allocUnsafe Buffers is a different ArrayBuffer.
  assert.notEqual(Buffer.allocUnsafe(28).buffer, a.buffer);
  assert.deepEqual([a.byteOffset, b.byteOffset, c.byteOffset], [0, 28, 112]);
  assert.equal(kept.take(1).byteOffset, 115);
  assert.deepEqual([a.length, b.length, c.length], [28, 84, 3]);
  a.fill(1);
  b.fill(2);
  c.fill(3);
  assert.ok(a.every((x) => x === 1) && b.every((x) => x === 2) && c.every((x) => x === 3), 'writes to one do not reach another');
});

test('a full slab is followed by a new one; large strings get memory of their own', () => {
  const kept = new KeptBytes();
  const first = kept.take(28);
  let last = first;
  for (let i = 1; i < Math.floor((64 * 1024) / 28); i++) last = kept.take(28);
  assert.equal(last.buffer, first.buffer, '2340 handles in the first slab');
  const next = kept.take(28);
  assert.notEqual(next.buffer, first.buffer);
  assert.equal(next.byteOffset, 0);
  const large = kept.take(4096);
  assert.equal(large.buffer.byteLength, 4096);
  assert.equal(kept.take(8).buffer, next.buffer, 'a large take leaves the slab in use');
});

test('copyOf keeps a copy: changing the source afterwards changes nothing', () => {
  const kept = new KeptBytes();
  const source = Buffer.from('attributes');
  const copy = kept.copyOf(source);
  source.fill(0);
  assert.equal(copy.toString(), 'attributes');
});
