// scrypt password hashes (RFC 7914): right and wrong passwords, unreadable stored forms, salts differ.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashPassword, verifyPassword } from '../../src/auth/password-hash.js';

test('a hash verifies its own password only, and two hashes of one password differ (salted)', async () => {
  const a = await hashPassword('correct horse battery staple');
  const b = await hashPassword('correct horse battery staple');
  assert.notEqual(a, b);
  assert.equal(await verifyPassword('correct horse battery staple', a), true);
  assert.equal(await verifyPassword('correct horse battery stapl', a), false);
  assert.equal(await verifyPassword('', a), false);
});

test('Unicode passwords are normalised (NFC), so the same text typed differently still matches', async () => {
  const composed = 'caf\u00e9 au lait';
  const decomposed = 'cafe\u0301 au lait';
  assert.equal(await verifyPassword(decomposed, await hashPassword(composed)), true);
});

const unreadable: ReadonlyArray<[string, string]> = [
  ['empty', ''],
  ['another scheme', 'bcrypt$2b$10$abc'],
  ['too few parts', 'scrypt$16384$8$1$salt'],
  ['N not a number', 'scrypt$x$8$1$AAAA$' + 'A'.repeat(43)],
  ['N absurdly large (a stored value must not make us allocate gigabytes)', `scrypt$${2 ** 30}$8$1$AAAA$${'A'.repeat(43)}`],
  ['key of the wrong length', 'scrypt$16384$8$1$AAAA$AAAA'],
];
for (const [name, stored] of unreadable) {
  test(`an unreadable stored hash (${name}) verifies nothing and does not throw`, async () => {
    assert.equal(await verifyPassword('anything', stored), false);
  });
}
