// CRC32C against the check value and RFC 3720 Appendix B.4's test vectors (the iSCSI digest; RFC 7143 §13.1).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c } from '../../src/iscsi/crc32c.js';

const vectors: ReadonlyArray<[string, Uint8Array, number]> = [
  ['"123456789" (the CRC catalogue check value)', Buffer.from('123456789'), 0xe3069283],
  ['32 bytes of zeros (RFC 3720 B.4)', Buffer.alloc(32, 0), 0x8a9136aa],
  ['32 bytes of ones (RFC 3720 B.4)', Buffer.alloc(32, 0xff), 0x62a8ab43],
  ['32 incrementing bytes (RFC 3720 B.4)', Buffer.from(Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e],
  ['32 decrementing bytes (RFC 3720 B.4)', Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c],
  ['nothing', new Uint8Array(0), 0],
];
for (const [name, bytes, expected] of vectors) {
  test(`crc32c of ${name}`, () => {
    assert.equal(crc32c(bytes), expected);
  });
}

test('crc32c over pieces equals crc32c over the whole, at every split of a length that is not a multiple of 8', () => {
  const bytes = Buffer.from(Array.from({ length: 45 }, (_, i) => (i * 37 + 11) & 0xff));
  const whole = crc32c(bytes);
  for (let cut = 0; cut <= bytes.length; cut++) assert.equal(crc32c(bytes.subarray(cut), crc32c(bytes.subarray(0, cut))), whole, `cut at ${cut}`);
});
