// The READ buffer pool: buffers of the largest READ are reused once given back, bounded; odd sizes are not kept.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readBuffers } from '../../src/nfs/read-buffers.js';

test('a buffer given back is the next one taken; the pool keeps at most its bound and never one twice', () => {
  const pool = readBuffers(1024, 2);
  const a = pool.take(1000);
  const b = pool.take(10);
  const c = pool.take(1024);
  assert.equal(a.length, 1024);
  assert.notEqual(a, b);
  pool.give(a);
  pool.give(a);
  assert.equal(pool.free, 1, 'given twice, kept once');
  assert.equal(pool.take(512), a);
  pool.give(a);
  pool.give(b);
  pool.give(c);
  assert.equal(pool.free, 2);
});

test('a READ larger than the pool size gets its own buffer, which is not kept', () => {
  const pool = readBuffers(1024, 4);
  const big = pool.take(4096);
  assert.equal(big.length, 4096);
  pool.give(big);
  assert.equal(pool.free, 0);
});
