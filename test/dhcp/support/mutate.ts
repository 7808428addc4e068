// Mutated and random DHCP datagrams (RFC 2131 §2 layout) for fuzzing, drawn from a seeded Random so a failing seed can be replayed.
import { randomBytes, randomInt } from '../../support/seeded-random.js';
import type { Random } from '../../support/seeded-random.js';

/** One of several damage patterns applied to a real capture; the options area (240+) is hit most. */
export function mutate(random: Random, original: Buffer): Buffer {
  const bytes = Buffer.from(original);
  const pick = (): number => (random() < 0.75 && bytes.length > 240 ? 240 + randomInt(random, bytes.length - 240) : randomInt(random, bytes.length));
  switch (randomInt(random, 8)) {
    case 0: // flip bits
      for (let n = 1 + randomInt(random, 8); n > 0; n--) bytes[pick()]! ^= 1 << randomInt(random, 8);
      return bytes;
    case 1: // random bytes over a span
      randomBytes(random, 1 + randomInt(random, 16)).copy(bytes, pick());
      return bytes;
    case 2: // truncate
      return bytes.subarray(0, randomInt(random, bytes.length));
    case 3: // extend with garbage after END
      return Buffer.concat([bytes, randomBytes(random, 1 + randomInt(random, 64))]);
    case 4: // an option length byte set to something else
      bytes[pick()] = [0, 1, 2, 3, 4, 255, 254][randomInt(random, 7)]!;
      return bytes;
    case 5: // the END removed: every 0xff in the options area becomes a pad
      for (let i = 240; i < bytes.length; i++) if (bytes[i] === 255) bytes[i] = 0;
      return bytes;
    case 6: // header fields: op, htype, hlen, flags
      bytes[[0, 1, 2, 10][randomInt(random, 4)]!] = randomInt(random, 256);
      return bytes;
    default: // overload value and a random file/sname region
      randomBytes(random, 1 + randomInt(random, 48)).copy(bytes, 44 + randomInt(random, 192));
      return Buffer.concat([bytes.subarray(0, 240), Buffer.from([52, 1, randomInt(random, 5)]), bytes.subarray(240)]);
  }
}

/** Entirely random datagrams, some long enough to get past the header checks, some with the cookie in place. */
export function randomDatagram(random: Random): Buffer {
  const bytes = randomBytes(random, randomInt(random, 600));
  if (bytes.length >= 240 && random() < 0.7) {
    bytes[0] = 1;
    bytes[2] = 6;
    bytes.writeUInt32BE(0x63825363, 236);
  }
  return bytes;
}
