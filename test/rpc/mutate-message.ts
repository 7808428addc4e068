// Mutations of real RPC messages for fuzzing (RFC 5531 §9 fields: lengths, counts, enums): the codec fuzz and the
// live server fuzz share them.
import { randomBytes, randomInt } from '../support/seeded-random.js';
import type { Random } from '../support/seeded-random.js';

/** One to three edits of a copy of `original`: flipped bytes, cuts, forged lengths, garbage, duplicated units. */
export function mutate(random: Random, original: Buffer): Buffer {
  const int = (n: number): number => randomInt(random, n);
  let m = Buffer.from(original);
  const rounds = 1 + int(3);
  for (let r = 0; r < rounds; r++) {
    switch (int(7)) {
      case 0: // flip a byte
        if (m.length > 0) m[int(m.length)] = int(256);
        break;
      case 1: // truncate
        m = m.subarray(0, int(m.length + 1));
        break;
      case 2: // a length or count field made huge or off by a little
        if (m.length >= 4) {
          const at = int(m.length >> 2) * 4;
          m.writeUInt32BE([0xffffffff, 0x7fffffff, 401, 256, 17, (m.readUInt32BE(at) + 1) >>> 0][int(6)]!, at);
        }
        break;
      case 3: // append garbage
        m = Buffer.concat([m, randomBytes(random, int(64))]);
        break;
      case 4: // cut a piece out of the middle
        if (m.length > 8) {
          const from = int(m.length);
          m = Buffer.concat([m.subarray(0, from), m.subarray(Math.min(m.length, from + 1 + int(16)))]);
        }
        break;
      case 5: // duplicate a 4-byte unit
        if (m.length >= 4) {
          const at = int(m.length >> 2) * 4;
          m = Buffer.concat([m.subarray(0, at + 4), m.subarray(at)]);
        }
        break;
      default: // small integer in a random unit (enum, bool, flavor fields)
        if (m.length >= 4) m.writeUInt32BE(int(8), int(m.length >> 2) * 4);
    }
  }
  return m;
}
