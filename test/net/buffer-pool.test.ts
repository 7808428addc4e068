// BufferPool (NFS and iSCSI data): buffers come back and go out again by size class, never to two users at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BufferPool } from '../../src/net/buffer-pool.js';

test('a buffer given back is handed out again for any size of its class, as a view of the size asked for', () => {
  const pool = new BufferPool(1024 * 1024);
  const first = pool.take(5000);
  assert.equal(first.length, 5000);
  assert.equal(first.buffer.byteLength, 8192, '5000 bytes come from the 8 KiB class');
  pool.give(first);
  assert.equal(pool.idleBytes, 8192);
  const second = pool.take(7000);
  assert.equal(second.length, 7000);
  assert.equal(second.buffer, first.buffer, 'the same memory, used again');
  assert.equal(pool.idleBytes, 0);
  // Another class is not served from it.
  pool.give(second);
  assert.notEqual(pool.take(20_000).buffer, first.buffer);
});

test('a view of a taken buffer gives the whole buffer back', () => {
  const pool = new BufferPool(1024 * 1024);
  const taken = pool.take(4096);
  pool.give(taken.subarray(100, 200));
  assert.equal(pool.take(4096).buffer, taken.buffer);
});

test('a buffer given back twice is kept once: two takes never share memory', () => {
  const pool = new BufferPool(1024 * 1024);
  const taken = pool.take(4096);
  pool.give(taken);
  pool.give(taken);
  assert.equal(pool.idleBytes, 4096);
  const a = pool.take(4096);
  const b = pool.take(4096);
  assert.notEqual(a.buffer, b.buffer);
});

test('buffers the pool did not make are ignored when given', () => {
  const pool = new BufferPool(1024 * 1024);
  pool.give(Buffer.allocUnsafe(8192));
  pool.give(Buffer.alloc(10));
  assert.equal(pool.idleBytes, 0);
});

test('what it keeps idle stays within its cap; the rest is left to the GC', () => {
  const pool = new BufferPool(3 * 65536);
  const taken = Array.from({ length: 5 }, () => pool.take(65536));
  for (const b of taken) pool.give(b);
  assert.equal(pool.idleBytes, 3 * 65536);
  // A pool that keeps nothing still hands out buffers.
  const none = new BufferPool(0);
  const b = none.take(100_000);
  assert.equal(b.length, 100_000);
  none.give(b);
  assert.equal(none.idleBytes, 0);
  assert.notEqual(none.take(100_000).buffer, b.buffer);
});

test('above its largest class it hands out plain Buffers and keeps none of them', () => {
  const pool = new BufferPool(64 * 1024 * 1024, 65536);
  const big = pool.take(65537);
  assert.equal(big.length, 65537);
  pool.give(big);
  assert.equal(pool.idleBytes, 0);
});

test('the largest size is a class of its own: asks above the last power of two below it share its buffers', () => {
  // An NFS WRITE record: 1 MiB of data and its RPC header, in a pool whose largest is the record limit.
  const largest = 1024 * 1024 + 64 * 1024;
  const pool = new BufferPool(4 * largest, largest);
  const record = pool.take(1024 * 1024 + 200);
  assert.equal(record.buffer.byteLength, largest);
  pool.give(record);
  assert.equal(pool.take(largest).buffer, record.buffer);
  assert.equal(pool.take(1024 * 1024).buffer.byteLength, 1024 * 1024, 'exactly 1 MiB is the 1 MiB class');
});
