// CHAP for iSCSI login (RFC 7143 §12.1.3 over RFC 1994 §4.1: MD5 over identifier, secret, challenge), binary value encodings (§6.1) and the reflection check.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { CHALLENGE_BYTES, CHAP_MD5, chapResponse, checkInitiatorChallenge, decodeBinary, encodeBinary, responseMatches } from '../../src/iscsi/chap.js';

const challenge = Buffer.from(Array.from({ length: 16 }, (_, i) => i));

test('chapResponse: fixed vector, MD5(0x01 || "secretsecret" || 00..0f) computed outside Node (openssl md5)', () => {
  assert.equal(chapResponse(1, 'secretsecret', challenge).toString('hex'), '226dc576c33f04ff9c3a200ffe35f442');
});

test('chapResponse: a second fixed vector, identifier 0xef and a 15-character secret', () => {
  const c = Buffer.from('8d2bc1e0f4a7b2c93d4e5f60718293a4', 'hex');
  assert.equal(chapResponse(0xef, 'Squirrel-Fluffy', c).toString('hex'), 'bf00fb0304c1be2be5c9c6d3d5683f20');
});

test('chapResponse equals MD5 over the concatenation id byte || secret || challenge (RFC 1994 §4.1)', () => {
  for (const [id, secret, c] of [
    [0, 'a', Buffer.from([0xff])],
    [255, 'twelve-chars', challenge],
    [42, 'ünïcödé secret', Buffer.alloc(1024, 0x5a)],
  ] as const) {
    const expected = createHash('md5').update(Buffer.concat([Buffer.from([id]), Buffer.from(secret, 'utf8'), c])).digest();
    assert.deepEqual(chapResponse(id, secret, c), expected);
  }
});

test('chapResponse uses only the low byte of the identifier', () => {
  assert.deepEqual(chapResponse(0x101, 'secretsecret', challenge), chapResponse(1, 'secretsecret', challenge));
});

test('constants: CHAP_A=5 is MD5, challenges of 16 bytes', () => {
  assert.equal(CHAP_MD5, 5);
  assert.equal(CHALLENGE_BYTES, 16);
});

test('encodeBinary: 0x and lower-case hex', () => {
  assert.equal(encodeBinary(Buffer.from([0x00, 0x01, 0xab, 0xff])), '0x0001abff');
  assert.equal(encodeBinary(new Uint8Array([0xde, 0xad])), '0xdead');
});

const decodeCases: ReadonlyArray<[string, string, number[] | null]> = [
  ['hex', '0x0001abff', [0x00, 0x01, 0xab, 0xff]],
  ['hex with 0X and mixed case', '0XaBcD', [0xab, 0xcd]],
  ['odd-length hex: a leading zero nibble', '0xabc', [0x0a, 0xbc]],
  ['one hex digit', '0x5', [0x05]],
  ['base64 with 0b', '0bAQID', [1, 2, 3]],
  ['base64 with 0B and padding', '0BAQI=', [1, 2]],
  ['base64 with two padding characters', '0bAQ==', [1]],
  ['base64 with + and /', '0b+/8=', [0xfb, 0xff]],
  ['empty', '', null],
  ['0x with nothing after it', '0x', null],
  ['0b with nothing after it', '0b', null],
  ['hex with a non-hex digit', '0x12zz', null],
  ['hex with a space', '0x12 34', null],
  ['decimal (not a binary encoding)', '1234', null],
  ['no prefix', 'abcdef', null],
  ['base64 with a character outside the alphabet', '0bAQ!D', null],
  ['base64 with three padding characters', '0bA===', null],
];
for (const [name, value, expected] of decodeCases) {
  test(`decodeBinary: ${name} (${JSON.stringify(value)})`, () => {
    const got = decodeBinary(value);
    if (expected === null) assert.equal(got, null);
    else assert.deepEqual(got, Buffer.from(expected));
  });
}

test('decodeBinary(encodeBinary(x)) is x', () => {
  const x = Buffer.from(Array.from({ length: 33 }, (_, i) => (i * 53) & 0xff));
  assert.deepEqual(decodeBinary(encodeBinary(x)), x);
});

test('responseMatches: the right response, a wrong secret, a wrong identifier, a short response (no throw)', () => {
  const right = chapResponse(7, 'secretsecret', challenge);
  assert.equal(responseMatches(7, 'secretsecret', challenge, right), true);
  assert.equal(responseMatches(7, 'secretsecreT', challenge, right), false);
  assert.equal(responseMatches(8, 'secretsecret', challenge, right), false);
  assert.equal(responseMatches(7, 'secretsecret', challenge, right.subarray(0, 15)), false);
  assert.equal(responseMatches(7, 'secretsecret', challenge, Buffer.concat([right, Buffer.from([0])])), false);
  assert.equal(responseMatches(7, 'secretsecret', challenge, Buffer.alloc(0)), false);
});

const ours = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

test('checkInitiatorChallenge: a good identifier and challenge', () => {
  assert.deepEqual(checkInitiatorChallenge('77', '0xfeedfacecafebeef0011223344556677', ours), {
    ok: true,
    id: 77,
    challenge: Buffer.from('feedfacecafebeef0011223344556677', 'hex'),
  });
  assert.deepEqual(checkInitiatorChallenge('0', '0b/w==', ours), { ok: true, id: 0, challenge: Buffer.from([0xff]) });
  assert.deepEqual(checkInitiatorChallenge('255', `0x${'ab'.repeat(1024)}`, ours), { ok: true, id: 255, challenge: Buffer.alloc(1024, 0xab) });
});

test('checkInitiatorChallenge: our own challenge reflected back is refused, however it is encoded', () => {
  assert.deepEqual(checkInitiatorChallenge('1', encodeBinary(ours), ours), { ok: false, reason: 'REFLECTED' });
  assert.deepEqual(checkInitiatorChallenge('1', `0X${ours.toString('hex').toUpperCase()}`, ours), { ok: false, reason: 'REFLECTED' });
  assert.deepEqual(checkInitiatorChallenge('1', `0b${ours.toString('base64')}`, ours), { ok: false, reason: 'REFLECTED' });
});

test('checkInitiatorChallenge: a challenge that only starts like ours is not a reflection', () => {
  const longer = Buffer.concat([ours, Buffer.from([0])]);
  assert.equal(checkInitiatorChallenge('1', encodeBinary(longer), ours).ok, true);
});

const badIds: ReadonlyArray<string> = ['256', '-1', '', 'x', '1.5', '0x10', ' 1'];
for (const id of badIds) {
  test(`checkInitiatorChallenge: identifier ${JSON.stringify(id)} is BAD_ID`, () => {
    assert.deepEqual(checkInitiatorChallenge(id, '0x0102', ours), { ok: false, reason: 'BAD_ID' });
  });
}

const badChallenges: ReadonlyArray<[string, string]> = [
  ['not binary', 'hello'],
  ['empty', ''],
  ['0x only', '0x'],
  ['longer than 1024 bytes', `0x${'ab'.repeat(1025)}`],
];
for (const [name, value] of badChallenges) {
  test(`checkInitiatorChallenge: a challenge ${name} is BAD_CHALLENGE`, () => {
    assert.deepEqual(checkInitiatorChallenge('1', value, ours), { ok: false, reason: 'BAD_CHALLENGE' });
  });
}
