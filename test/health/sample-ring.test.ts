import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SampleRing } from '../../src/health/sample-ring.js';

const filled = (capacity: number, count: number): SampleRing<number> => {
  const ring = new SampleRing<number>(capacity);
  for (let i = 1; i <= count; i++) ring.push(i);
  return ring;
};

const cases: readonly { name: string; capacity: number; pushed: number; expect: number[] }[] = [
  { name: 'empty', capacity: 3, pushed: 0, expect: [] },
  { name: 'part full', capacity: 3, pushed: 2, expect: [1, 2] },
  { name: 'exactly full', capacity: 3, pushed: 3, expect: [1, 2, 3] },
  { name: 'one past full drops the oldest', capacity: 3, pushed: 4, expect: [2, 3, 4] },
  { name: 'wrapped more than once', capacity: 3, pushed: 8, expect: [6, 7, 8] },
  { name: 'capacity one keeps only the newest', capacity: 1, pushed: 5, expect: [5] },
];

for (const c of cases) {
  test(`SampleRing: ${c.name}`, () => {
    const ring = filled(c.capacity, c.pushed);
    assert.deepEqual(ring.toArray(), c.expect);
    assert.equal(ring.size, c.expect.length);
    assert.equal(ring.latest(), c.expect.at(-1) ?? null);
  });
}

test('SampleRing holds an hour of 10-second samples: 360, oldest first', () => {
  const ring = filled(360, 1000);
  const items = ring.toArray();
  assert.equal(items.length, 360);
  assert.equal(items[0], 641);
  assert.equal(items.at(-1), 1000);
  assert.ok(items.every((v, i) => i === 0 || v === items[i - 1]! + 1), 'in push order');
});

test('SampleRing.toArray is a copy the caller may change', () => {
  const ring = filled(3, 2);
  ring.toArray().push(99);
  assert.deepEqual(ring.toArray(), [1, 2]);
});

for (const capacity of [0, -1, 1.5, Number.NaN]) {
  test(`SampleRing refuses capacity ${capacity}`, () => {
    assert.throws(() => new SampleRing(capacity), RangeError);
  });
}
