import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  broadcastOf,
  formatIpv4,
  ipv4FromBytes,
  ipv4ToBytes,
  isIpv4,
  netmaskToPrefix,
  parseIpv4,
  prefixToNetmask,
  sameSubnet,
} from '../../src/net/ipv4.js';

const parse: readonly [string, number | null][] = [
  ['0.0.0.0', 0],
  ['255.255.255.255', 0xffffffff],
  ['192.168.1.5', 0xc0a80105],
  ['10.0.0.1', 0x0a000001],
  ['198.18.0.1', 0xc6120001],
  ['1.2.3', null],
  ['1.2.3.4.5', null],
  ['256.0.0.1', null],
  ['1.2.3.-4', null],
  ['1.2.3.4 ', null],
  [' 1.2.3.4', null],
  ['1.2.3.4\n', null],
  ['1.2..4', null],
  ['1.2.3.0x4', null],
  ['1.2.3.1234', null],
  ['', null],
  ['a.b.c.d', null],
  ['::1', null],
];

for (const [text, value] of parse) {
  test(`parseIpv4(${JSON.stringify(text)}) = ${value}`, () => {
    assert.equal(parseIpv4(text), value);
    assert.equal(isIpv4(text), value !== null);
  });
}

test('formatIpv4 and parseIpv4 round-trip', () => {
  for (const text of ['0.0.0.0', '255.255.255.255', '192.168.1.5', '10.20.30.40', '128.0.0.1']) {
    assert.equal(formatIpv4(parseIpv4(text)!), text);
  }
});

test('ipv4ToBytes and ipv4FromBytes', () => {
  assert.deepEqual([...ipv4ToBytes('192.168.1.5')], [192, 168, 1, 5]);
  assert.equal(ipv4FromBytes(Uint8Array.from([0, 0, 10, 1, 2, 3]), 2), '10.1.2.3');
  assert.throws(() => ipv4ToBytes('192.168.1'), TypeError);
});

const prefixes: readonly [number, string][] = [
  [0, '0.0.0.0'],
  [1, '128.0.0.0'],
  [8, '255.0.0.0'],
  [20, '255.255.240.0'],
  [24, '255.255.255.0'],
  [31, '255.255.255.254'],
  [32, '255.255.255.255'],
];

for (const [prefix, mask] of prefixes) {
  test(`/${prefix} is ${mask}`, () => {
    assert.equal(formatIpv4(prefixToNetmask(prefix)), mask);
    assert.equal(netmaskToPrefix(parseIpv4(mask)!), prefix);
  });
}

test('netmaskToPrefix counts the leading ones of a non-contiguous mask', () => {
  assert.equal(netmaskToPrefix(parseIpv4('255.0.255.0')!), 8);
});

const subnets: readonly [string, string, string, boolean, string][] = [
  // a, b, mask, same subnet, broadcast of a
  ['192.168.1.5', '192.168.1.200', '255.255.255.0', true, '192.168.1.255'],
  ['192.168.1.5', '192.168.2.5', '255.255.255.0', false, '192.168.1.255'],
  ['192.168.1.5', '192.168.2.5', '255.255.0.0', true, '192.168.255.255'],
  ['10.0.0.1', '10.0.0.62', '255.255.255.192', true, '10.0.0.63'],
  ['10.0.0.1', '10.0.0.64', '255.255.255.192', false, '10.0.0.63'],
  ['200.1.2.3', '201.1.2.3', '0.0.0.0', true, '255.255.255.255'],
  ['200.1.2.3', '200.1.2.3', '255.255.255.255', true, '200.1.2.3'],
];

for (const [a, b, mask, same, broadcast] of subnets) {
  test(`${a} and ${b} under ${mask}`, () => {
    assert.equal(sameSubnet(parseIpv4(a)!, parseIpv4(b)!, parseIpv4(mask)!), same);
    assert.equal(formatIpv4(broadcastOf(parseIpv4(a)!, parseIpv4(mask)!)), broadcast);
  });
}
