// Seeded pseudo-random numbers and bytes for fuzz and loss tests (mulberry32), so a failing seed can be replayed.

export type Random = () => number;

/** Floats in [0, 1), the same sequence for the same seed on every run and machine. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, below). */
export function randomInt(random: Random, below: number): number {
  return Math.floor(random() * below);
}

/** `length` bytes, drawn one `randomInt(random, 256)` at a time in order (callers' seeded sequences rely on that). */
export function randomBytes(random: Random, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = randomInt(random, 256);
  return out;
}
