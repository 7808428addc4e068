// The magic packet codec: golden bytes, SecureOn, round trips, and one case per bad input.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeMagicPacket, encodeMagicPacket, MagicPacketError, parseSecureOn } from '../../src/power/magic-packet.js';
import { randomInt, seededRandom } from '../support/seeded-random.js';

// Written out by hand from the AMD layout, not computed: 6 x FF, then 52:54:00:12:34:56 sixteen times.
const GOLDEN_52_54_00_12_34_56 = [
  'ffffffffffff',
  '525400123456525400123456525400123456525400123456',
  '525400123456525400123456525400123456525400123456',
  '525400123456525400123456525400123456525400123456',
  '525400123456525400123456525400123456525400123456',
].join('');

describe('encodeMagicPacket', () => {
  test('golden bytes: 102 bytes for 52:54:00:12:34:56', () => {
    const packet = encodeMagicPacket('52:54:00:12:34:56');
    assert.equal(packet.length, 102);
    assert.equal(packet.toString('hex'), GOLDEN_52_54_00_12_34_56);
  });

  const spellings: ReadonlyArray<readonly [string, string]> = [
    ['upper case', '52:54:00:AB:CD:EF'],
    ['dashes', '52-54-00-ab-cd-ef'],
    ['bare hex', '525400abcdef'],
    ['spaces around', '  52:54:00:ab:cd:ef '],
  ];
  for (const [name, mac] of spellings) {
    test(`MAC spelled with ${name} gives the same bytes`, () => {
      assert.deepEqual(encodeMagicPacket(mac), encodeMagicPacket('52:54:00:ab:cd:ef'));
    });
  }

  const secureOns: ReadonlyArray<readonly [string, string | Uint8Array, string]> = [
    ['4 bytes with colons', 'aa:bb:cc:dd', 'aabbccdd'],
    ['4 bytes with dashes, upper case', 'AA-BB-CC-DD', 'aabbccdd'],
    ['6 bytes with colons', '01:02:03:04:05:06', '010203040506'],
    ['6 bytes bare', '0102030405ff', '0102030405ff'],
    ['4 raw bytes', Uint8Array.of(1, 2, 3, 4), '01020304'],
    ['6 raw bytes', Uint8Array.of(0, 0, 0, 0, 0, 0), '000000000000'],
  ];
  for (const [name, secureOn, hex] of secureOns) {
    test(`SecureOn ${name} follows the 102 bytes`, () => {
      const packet = encodeMagicPacket('52:54:00:12:34:56', secureOn);
      assert.equal(packet.length, 102 + hex.length / 2);
      assert.equal(packet.subarray(0, 102).toString('hex'), GOLDEN_52_54_00_12_34_56);
      assert.equal(packet.subarray(102).toString('hex'), hex);
    });
  }
});

describe('bad input gets a stable code', () => {
  const SECRET = 'c0:ff:ee';
  const cases: ReadonlyArray<readonly [string, string, string | Uint8Array | undefined, string]> = [
    ['empty MAC', '', undefined, 'BAD_MAC'],
    ['five-byte MAC', '52:54:00:12:34', undefined, 'BAD_MAC'],
    ['seven-byte MAC', '52:54:00:12:34:56:78', undefined, 'BAD_MAC'],
    ['non-hex MAC', '52:54:00:12:34:zz', undefined, 'BAD_MAC'],
    ['broadcast MAC', 'ff:ff:ff:ff:ff:ff', undefined, 'BAD_MAC'],
    ['multicast MAC', '01:00:5e:00:00:01', undefined, 'BAD_MAC'],
    ['all-zero MAC', '00:00:00:00:00:00', undefined, 'BAD_MAC'],
    ['SecureOn of 3 bytes', '52:54:00:12:34:56', SECRET, 'BAD_SECUREON_LENGTH'],
    ['SecureOn of 5 bytes', '52:54:00:12:34:56', 'c0:ff:ee:c0:ff', 'BAD_SECUREON_LENGTH'],
    ['SecureOn of 7 bytes', '52:54:00:12:34:56', 'c0:ff:ee:c0:ff:ee:00', 'BAD_SECUREON_LENGTH'],
    ['SecureOn of 5 raw bytes', '52:54:00:12:34:56', Uint8Array.of(1, 2, 3, 4, 5), 'BAD_SECUREON_LENGTH'],
    ['SecureOn with mixed separators', '52:54:00:12:34:56', 'c0:ff-ee:00', 'BAD_SECUREON_FORMAT'],
    ['SecureOn with single digits', '52:54:00:12:34:56', 'c:f:e:0', 'BAD_SECUREON_FORMAT'],
    ['SecureOn as a word', '52:54:00:12:34:56', 'hunter22', 'BAD_SECUREON_FORMAT'],
    ['SecureOn with an odd digit count', '52:54:00:12:34:56', 'c0ffee0', 'BAD_SECUREON_FORMAT'],
    ['empty SecureOn', '52:54:00:12:34:56', '', 'BAD_SECUREON_FORMAT'],
  ];
  for (const [name, mac, secureOn, code] of cases) {
    test(`${name} -> ${code}`, () => {
      assert.throws(
        () => encodeMagicPacket(mac, secureOn),
        (error: unknown) => {
          assert.ok(error instanceof MagicPacketError);
          assert.equal(error.code, code);
          if (typeof secureOn === 'string' && secureOn !== '') assert.equal(error.message.includes(secureOn), false, 'the password is not in the message');
          return true;
        },
      );
    });
  }

  test('parseSecureOn gives the bytes, whichever separator', () => {
    assert.deepEqual(parseSecureOn('de-ad-be-ef'), Buffer.from('deadbeef', 'hex'));
    assert.deepEqual(parseSecureOn('DE:AD:BE:EF:00:01'), Buffer.from('deadbeef0001', 'hex'));
  });
});

describe('decodeMagicPacket', () => {
  const roundTrips: ReadonlyArray<readonly [string, string | undefined]> = [
    ['02:b7:00:00:00:01', undefined],
    ['52:54:00:12:34:56', 'aa:bb:cc:dd'],
    ['52:54:00:12:34:56', 'aa:bb:cc:dd:ee:ff'],
    // A MAC ending in FF bytes must not be confused with the sync stream.
    ['02:ff:ff:ff:ff:ff', '00:00:00:00'],
  ];
  for (const [mac, secureOn] of roundTrips) {
    test(`round trip ${mac}${secureOn === undefined ? '' : ` with a ${secureOn.split(':').length}-byte SecureOn`}`, () => {
      const decoded = decodeMagicPacket(encodeMagicPacket(mac, secureOn));
      assert.ok(decoded.ok, JSON.stringify(decoded));
      assert.equal(decoded.packet.mac, mac);
      assert.equal(decoded.packet.secureOn?.toString('hex') ?? null, secureOn?.replace(/:/g, '') ?? null);
    });
  }

  test('golden bytes decode to 52:54:00:12:34:56 without SecureOn', () => {
    const decoded = decodeMagicPacket(Buffer.from(GOLDEN_52_54_00_12_34_56, 'hex'));
    assert.deepEqual(decoded, { ok: true, packet: { mac: '52:54:00:12:34:56', secureOn: null } });
  });

  const good = (): Buffer => Buffer.from(GOLDEN_52_54_00_12_34_56, 'hex');
  const malformed: ReadonlyArray<readonly [string, () => Buffer, string]> = [
    ['empty', () => Buffer.alloc(0), 'BAD_LENGTH'],
    ['one byte short', () => good().subarray(0, 101), 'BAD_LENGTH'],
    ['one byte extra', () => Buffer.concat([good(), Buffer.of(1)]), 'BAD_LENGTH'],
    ['5 extra bytes', () => Buffer.concat([good(), Buffer.alloc(5)]), 'BAD_LENGTH'],
    ['a DHCP-sized datagram', () => Buffer.alloc(300), 'BAD_LENGTH'],
    ['first sync byte not FF', () => Object.assign(good(), { 0: 0xfe }), 'NO_SYNC_STREAM'],
    ['last sync byte not FF', () => Object.assign(good(), { 5: 0x00 }), 'NO_SYNC_STREAM'],
    ['second copy differs', () => Object.assign(good(), { 12: 0x53 }), 'MAC_NOT_REPEATED'],
    ['last copy differs', () => Object.assign(good(), { 101: 0x57 }), 'MAC_NOT_REPEATED'],
  ];
  for (const [name, make, code] of malformed) {
    test(`${name} -> ${code}`, () => {
      const decoded = decodeMagicPacket(make());
      assert.equal(decoded.ok, false);
      if (!decoded.ok) assert.equal(decoded.error.code, code);
    });
  }

  test('damaged packets: whatever it accepts rebuilds to the same bytes, the rest fail with a known code', () => {
    const random = seededRandom(0x3a9c);
    const codes = new Set<string>();
    for (let i = 0; i < 600; i++) {
      const buf = encodeMagicPacket('52:54:00:12:34:56', [undefined, 'aa:bb:cc:dd', 'aa:bb:cc:dd:ee:ff'][i % 3]);
      // Half the time the sync stream stays whole, so that the MAC comparison is what gets exercised.
      for (let j = i % 2 === 0 ? 6 : 0; j < buf.length; j++) if (random() < 0.01) buf[j] = randomInt(random, 256);
      const decoded = decodeMagicPacket(buf);
      if (decoded.ok) {
        const mac = Buffer.from(decoded.packet.mac.replace(/:/g, ''), 'hex');
        const rebuilt = Buffer.concat([Buffer.alloc(6, 0xff), ...Array.from({ length: 16 }, () => mac), decoded.packet.secureOn ?? Buffer.alloc(0)]);
        assert.deepEqual(rebuilt, buf);
      } else {
        codes.add(decoded.error.code);
      }
    }
    assert.deepEqual([...codes].sort(), ['MAC_NOT_REPEATED', 'NO_SYNC_STREAM']);
  });
});
