// The copy-on-write map's per-block bits (block-presence.ts): masks, ranges across word edges, runs, the file layout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BlockPresence, wordMask } from '../../src/iscsi/block-presence.js';

test('wordMask: bits lo..hi of a word, unsigned', () => {
  const table: Array<[number, number, number]> = [
    [0, 0, 0x1],
    [0, 31, 0xffffffff],
    [31, 31, 0x80000000],
    [5, 7, 0xe0],
    [0, 30, 0x7fffffff],
    [1, 31, 0xfffffffe],
    [16, 23, 0x00ff0000],
  ];
  for (const [lo, hi, mask] of table) assert.equal(wordMask(lo, hi), mask, `${lo}..${hi}`);
});

test('mark, state and any over ranges that cross word edges', () => {
  const table: Array<{ marks: Array<[number, number]>; first: number; last: number; state: 'all' | 'none' | 'mixed' }> = [
    { marks: [], first: 0, last: 127, state: 'none' },
    { marks: [[0, 127]], first: 0, last: 127, state: 'all' },
    { marks: [[30, 33]], first: 30, last: 33, state: 'all' },
    { marks: [[30, 33]], first: 29, last: 33, state: 'mixed' },
    { marks: [[30, 33]], first: 30, last: 34, state: 'mixed' },
    { marks: [[30, 33]], first: 34, last: 127, state: 'none' },
    { marks: [[30, 33]], first: 0, last: 29, state: 'none' },
    { marks: [[0, 31], [64, 95]], first: 0, last: 95, state: 'mixed' },
    { marks: [[0, 31], [32, 63]], first: 0, last: 63, state: 'all' },
    { marks: [[127, 127]], first: 127, last: 127, state: 'all' },
    { marks: [[127, 127]], first: 96, last: 126, state: 'none' },
  ];
  for (const { marks, first, last, state } of table) {
    const p = new BlockPresence(3, 128);
    for (const [a, b] of marks) p.mark(1, a, b);
    assert.equal(p.state(1, first, last), state, `${JSON.stringify(marks)} over ${first}..${last}`);
    assert.equal(p.any(1), marks.length > 0);
    // Neighbouring chunks are untouched.
    assert.equal(p.any(0), false);
    assert.equal(p.any(2), false);
  }
});

test('mark says whether the chunk held nothing before; clear empties only its chunk', () => {
  const p = new BlockPresence(2, 128);
  assert.equal(p.mark(0, 8, 15), true);
  assert.equal(p.mark(0, 40, 41), false);
  p.mark(1, 0, 0);
  p.clear(0);
  assert.equal(p.any(0), false);
  assert.equal(p.has(1, 0), true);
  assert.equal(p.mark(0, 3, 3), true);
});

test('runs: neighbouring blocks of one state, in order, clipped to the range', () => {
  const p = new BlockPresence(1, 128);
  p.mark(0, 3, 5);
  p.mark(0, 31, 33);
  p.mark(0, 120, 127);
  const seen: Array<[boolean, number, number]> = [];
  p.runs(0, 4, 122, (present, a, b) => seen.push([present, a, b]));
  assert.deepEqual(seen, [
    [true, 4, 5],
    [false, 6, 30],
    [true, 31, 33],
    [false, 34, 119],
    [true, 120, 122],
  ]);
  const one: Array<[boolean, number, number]> = [];
  p.runs(0, 7, 7, (present, a, b) => one.push([present, a, b]));
  assert.deepEqual(one, [[false, 7, 7]]);
});

test('writeTo and readFrom: four little-endian words per chunk, bit i of word w is block 32w + i', () => {
  const p = new BlockPresence(2, 128);
  p.mark(1, 0, 0);
  p.mark(1, 33, 34);
  p.mark(1, 127, 127);
  const out = Buffer.alloc(20);
  p.writeTo(1, out, 4);
  assert.equal(out.toString('hex'), '00000000' + '01000000' + '06000000' + '00000000' + '00000080');
  const q = new BlockPresence(2, 128);
  q.readFrom(0, out, 4);
  assert.equal(q.state(0, 0, 0), 'all');
  assert.equal(q.state(0, 33, 34), 'all');
  assert.equal(q.state(0, 1, 32), 'none');
  assert.equal(q.state(0, 127, 127), 'all');
  assert.equal(q.any(1), false);
});

test('blocks per chunk must be a positive multiple of 32', () => {
  for (const bad of [0, 16, 100, 1.5, -32]) assert.throws(() => new BlockPresence(1, bad), RangeError, String(bad));
});
