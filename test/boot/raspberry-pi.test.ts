import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRaspberryPiMac, raspberryPiOuis } from '../../src/boot/raspberry-pi.js';

// The prefixes facts/raspberry-pi.md lists; the code's list must cover every one of them.
const documented = ['b8:27:eb', 'dc:a6:32', 'e4:5f:01', '28:cd:c1', 'd8:3a:dd', '2c:cf:67', '88:a2:9e'];

test('every documented Raspberry Pi prefix is recognised', () => {
  for (const oui of documented) assert.equal(isRaspberryPiMac(`${oui}:01:02:03`), true, oui);
  assert.deepEqual([...raspberryPiOuis].sort(), [...documented].sort());
});

const cases: readonly { mac: string; extra?: readonly string[]; expect: boolean }[] = [
  { mac: 'dc:a6:32:01:36:c2', expect: true },
  { mac: 'DC:A6:32:01:36:C2', expect: true },
  { mac: '2c:cf:67:00:00:01', expect: true },
  { mac: '52:54:00:12:34:56', expect: false },
  { mac: 'b8:27:ec:00:00:01', expect: false },
  // The prefix must be the first three bytes, not anywhere in the address.
  { mac: '00:00:00:b8:27:eb', expect: false },
  { mac: '02:00:00:aa:bb:cc', extra: ['02:00:00'], expect: true },
  // Users copy prefixes from labels in upper case.
  { mac: 'aa:bb:cc:00:00:01', extra: ['AA:BB:CC'], expect: true },
  { mac: '02:00:01:aa:bb:cc', extra: ['02:00:00'], expect: false },
  { mac: 'b8:27:eb:00:00:01', extra: ['02:00:00'], expect: true },
  { mac: '', expect: false },
];

for (const c of cases) {
  test(`isRaspberryPiMac(${JSON.stringify(c.mac)}${c.extra ? `, ${JSON.stringify(c.extra)}` : ''}) is ${c.expect}`, () => {
    assert.equal(isRaspberryPiMac(c.mac, c.extra), c.expect);
  });
}
