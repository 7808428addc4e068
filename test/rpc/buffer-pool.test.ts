// The buffer pool for READ data and WRITE records: reused once given back (whole or as a view), bounded; odd sizes are not kept.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bufferPool } from '../../src/rpc/buffer-pool.js';

test('a buffer given back is the next one taken; the pool keeps at most its bound and never one twice', () => {
  const pool = bufferPool(1024, 2);
  const a = pool.take(1000);
  const b = pool.take(10);
  const c = pool.take(1024);
  assert.equal(a.length, 1024);
  assert.notEqual(a, b);
  pool.give(a);
  pool.give(a);
  assert.equal(pool.free, 1, 'given twice, kept once');
  assert.equal(pool.take(512).buffer, a.buffer);
  pool.give(a);
  pool.give(b);
  pool.give(c);
  assert.equal(pool.free, 2);
});

test('a view of a pooled buffer gives the whole buffer back; buffers the pool did not make are not kept', () => {
  const pool = bufferPool(1024, 4);
  const a = pool.take(1024);
  pool.give(a.subarray(0, 100));
  assert.equal(pool.free, 1);
  const again = pool.take(1024);
  assert.equal(again.buffer, a.buffer);
  assert.equal(again.length, 1024);
  pool.give(Buffer.allocUnsafeSlow(1024));
  pool.give(new Uint8Array(1024));
  assert.equal(pool.free, 0);
});

test('a want larger than the pool size gets its own buffer, which is not kept', () => {
  const pool = bufferPool(1024, 4);
  const big = pool.take(4096);
  assert.equal(big.length, 4096);
  pool.give(big);
  assert.equal(pool.free, 0);
});
