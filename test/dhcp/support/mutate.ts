// Seeded random and mutated DHCP datagrams for fuzzing (mulberry32 PRNG, so a failing seed can be replayed).

export type Random = () => number;

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

const int = (random: Random, below: number): number => Math.floor(random() * below);

function randomBytes(random: Random, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = int(random, 256);
  return out;
}

/** One of several damage patterns applied to a real capture; the options area (240+) is hit most. */
export function mutate(random: Random, original: Buffer): Buffer {
  const bytes = Buffer.from(original);
  const pick = (): number => (random() < 0.75 && bytes.length > 240 ? 240 + int(random, bytes.length - 240) : int(random, bytes.length));
  switch (int(random, 8)) {
    case 0: // flip bits
      for (let n = 1 + int(random, 8); n > 0; n--) bytes[pick()]! ^= 1 << int(random, 8);
      return bytes;
    case 1: // random bytes over a span
      randomBytes(random, 1 + int(random, 16)).copy(bytes, pick());
      return bytes;
    case 2: // truncate
      return bytes.subarray(0, int(random, bytes.length));
    case 3: // extend with garbage after END
      return Buffer.concat([bytes, randomBytes(random, 1 + int(random, 64))]);
    case 4: // an option length byte set to something else
      bytes[pick()] = [0, 1, 2, 3, 4, 255, 254][int(random, 7)]!;
      return bytes;
    case 5: // the END removed: every 0xff in the options area becomes a pad
      for (let i = 240; i < bytes.length; i++) if (bytes[i] === 255) bytes[i] = 0;
      return bytes;
    case 6: // header fields: op, htype, hlen, flags
      bytes[[0, 1, 2, 10][int(random, 4)]!] = int(random, 256);
      return bytes;
    default: // overload value and a random file/sname region
      randomBytes(random, 1 + int(random, 48)).copy(bytes, 44 + int(random, 192));
      return Buffer.concat([bytes.subarray(0, 240), Buffer.from([52, 1, int(random, 5)]), bytes.subarray(240)]);
  }
}

/** Entirely random datagrams, some long enough to get past the header checks, some with the cookie in place. */
export function randomDatagram(random: Random): Buffer {
  const bytes = randomBytes(random, int(random, 600));
  if (bytes.length >= 240 && random() < 0.7) {
    bytes[0] = 1;
    bytes[2] = 6;
    bytes.writeUInt32BE(0x63825363, 236);
  }
  return bytes;
}
