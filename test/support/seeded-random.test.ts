// Tests for the seeded PRNG the fuzz and loss tests replay their failures with.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomBytes, randomInt, seededRandom } from './seeded-random.js';

test('seededRandom: the same seed gives the same sequence, another seed another one', () => {
  const draw = (seed: number): number[] => {
    const random = seededRandom(seed);
    return Array.from({ length: 8 }, () => random());
  };
  assert.deepEqual(draw(42), draw(42));
  assert.notDeepEqual(draw(42), draw(43));
  for (const x of draw(7)) assert.ok(x >= 0 && x < 1, `${x} outside [0, 1)`);
});

test('randomBytes draws one randomInt(random, 256) per byte, in order', () => {
  const bytes = randomBytes(seededRandom(9), 64);
  const random = seededRandom(9);
  assert.deepEqual([...bytes], Array.from({ length: 64 }, () => randomInt(random, 256)));
  assert.ok(bytes.some((b) => b > 127), 'high bytes occur');
});
