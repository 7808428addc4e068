// key=value text of Login and Text PDUs (RFC 7143 §6.1): NUL-terminated pairs decoded, refused when malformed, and encoded back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeTextKeys, encodeTextKeys, type KeysDecode, type TextKeys } from '../../src/iscsi/text-keys.js';

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');
const key63 = 'K'.repeat(63);
const value8192 = 'v'.repeat(8192);

const okCases: ReadonlyArray<[string, string, TextKeys]> = [
  ['nothing at all', '', []],
  ['only NUL padding', '\0\0\0\0', []],
  ['one pair', 'HeaderDigest=None\0', [['HeaderDigest', 'None']]],
  [
    'pairs in the order sent',
    'InitiatorName=iqn.1994-05.com.redhat:abc\0SessionType=Normal\0TargetName=iqn.2025-01.lan.bramble:disk\0',
    [
      ['InitiatorName', 'iqn.1994-05.com.redhat:abc'],
      ['SessionType', 'Normal'],
      ['TargetName', 'iqn.2025-01.lan.bramble:disk'],
    ],
  ],
  [
    'trailing NUL padding to a 4-byte boundary',
    'A=1\0B=2\0\0\0\0',
    [
      ['A', '1'],
      ['B', '2'],
    ],
  ],
  ['a value with = inside: split at the first =', 'X=a=b==c\0', [['X', 'a=b==c']]],
  ['an empty value', 'TargetAlias=\0', [['TargetAlias', '']]],
  ['a list value, kept whole', 'HeaderDigest=CRC32C,None\0', [['HeaderDigest', 'CRC32C,None']]],
  ['a UTF-8 value', 'TargetAlias=café ☕\0', [['TargetAlias', 'café ☕']]],
  [`a key of exactly 63 characters`, `${key63}=1\0`, [[key63, '1']]],
  ['a value of exactly 8192 characters', `V=${value8192}\0`, [['V', value8192]]],
];
for (const [name, text, keys] of okCases) {
  test(`decodeTextKeys: ${name}`, () => {
    assert.deepEqual(decodeTextKeys(bytes(text)), { ok: true, keys });
  });
}

const failCases: ReadonlyArray<[string, string, KeysDecode]> = [
  ['the last pair not NUL-terminated', 'A=1', { ok: false, reason: 'NOT_TERMINATED' }],
  ['the second pair not NUL-terminated', 'A=1\0B=2', { ok: false, reason: 'NOT_TERMINATED' }],
  ['no = in an item', 'HeaderDigest\0', { ok: false, reason: 'NO_EQUALS', key: 'HeaderDigest' }],
  ['no = in a later item', 'A=1\0Oops\0', { ok: false, reason: 'NO_EQUALS', key: 'Oops' }],
  ['an empty item between pairs (NUL NUL in the middle)', 'A=1\0\0B=2\0', { ok: false, reason: 'NO_EQUALS', key: '' }],
  ['no = in a long item: the key reported is cut to 63', `${'n'.repeat(100)}\0`, { ok: false, reason: 'NO_EQUALS', key: 'n'.repeat(63) }],
  ['an empty key', '=1\0', { ok: false, reason: 'EMPTY_KEY' }],
  ['a key of 64 characters', `${key63}X=1\0`, { ok: false, reason: 'KEY_TOO_LONG', key: key63 }],
  ['a value of 8193 characters', `V=${value8192}v\0`, { ok: false, reason: 'VALUE_TOO_LONG', key: 'V' }],
  ['a key repeated', 'MaxBurstLength=512\0A=1\0MaxBurstLength=1024\0', { ok: false, reason: 'REPEATED', key: 'MaxBurstLength' }],
];
for (const [name, text, expected] of failCases) {
  test(`decodeTextKeys refuses ${name}`, () => {
    assert.deepEqual(decodeTextKeys(bytes(text)), expected);
  });
}

test('decodeTextKeys reads only the view it is given (a subarray at an offset of a larger buffer)', () => {
  const whole = bytes('junk=0\0A=1\0tail');
  const view = whole.subarray(7, 11);
  assert.deepEqual(decodeTextKeys(view), { ok: true, keys: [['A', '1']] });
  const plain = new Uint8Array(whole.buffer, whole.byteOffset + 7, 4);
  assert.deepEqual(decodeTextKeys(plain), { ok: true, keys: [['A', '1']] });
});

test('encodeTextKeys golden bytes: key=value then one NUL each, nothing else', () => {
  const out = encodeTextKeys([
    ['A', '1'],
    ['B', ''],
  ]);
  assert.deepEqual([...out], [0x41, 0x3d, 0x31, 0x00, 0x42, 0x3d, 0x00]);
  assert.equal(encodeTextKeys([]).length, 0);
});

const roundTrips: ReadonlyArray<TextKeys> = [
  [],
  [['TargetName', 'iqn.2025-01.lan.bramble:disk']],
  [
    ['CHAP_A', '5'],
    ['CHAP_I', '17'],
    ['CHAP_C', '0x000102030405060708090a0b0c0d0e0f'],
  ],
  [
    ['X', 'a=b'],
    ['Y', ''],
    ['TargetAlias', 'café'],
    [key63, value8192],
  ],
];
for (const keys of roundTrips) {
  test(`encodeTextKeys then decodeTextKeys gives back ${keys.length} pair(s)`, () => {
    assert.deepEqual(decodeTextKeys(encodeTextKeys(keys)), { ok: true, keys });
  });
}
