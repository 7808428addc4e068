import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ListingCache } from '../../src/nfs/view/listing-cache.js';

const listing = (n: number): string[] => Array.from({ length: n }, (_, i) => `f${i}`);

test('ListingCache keeps listings until their entries pass the bound, dropping the oldest first', () => {
  const cache = new ListingCache<string[]>(10, (l) => l.length);
  cache.set(1n, listing(4));
  cache.set(2n, listing(4));
  assert.equal(cache.entries, 8);
  cache.set(3n, listing(4));
  assert.equal(cache.get(1n), undefined, 'the oldest goes once 12 > 10');
  assert.deepEqual(cache.get(2n), listing(4));
  assert.deepEqual(cache.get(3n), listing(4));
  assert.equal(cache.entries, 8);
});

test('ListingCache: setting a directory again replaces it and counts it once; the newest stays even when too large', () => {
  const cache = new ListingCache<string[]>(10, (l) => l.length);
  cache.set(1n, listing(3));
  cache.set(1n, listing(5));
  assert.equal(cache.entries, 5);
  cache.set(2n, listing(50));
  assert.equal(cache.get(1n), undefined);
  assert.equal(cache.get(2n)?.length, 50);
  assert.equal(cache.entries, 50);
  cache.delete(2n);
  cache.delete(2n);
  assert.equal(cache.entries, 0);
});
