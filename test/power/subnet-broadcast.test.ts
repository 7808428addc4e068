// Subnet broadcast addresses from an address and a prefix length or netmask, and the errors for bad input.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { subnetBroadcast, SubnetBroadcastError } from '../../src/power/subnet-broadcast.js';

describe('subnetBroadcast', () => {
  const cases: ReadonlyArray<readonly [string, number | string, string]> = [
    ['198.18.0.1', 24, '198.18.0.255'],
    ['198.18.0.1', '24', '198.18.0.255'],
    ['198.18.0.1', '255.255.255.0', '198.18.0.255'],
    ['198.18.3.7', 23, '198.18.3.255'],
    ['198.18.2.7', '255.255.254.0', '198.18.3.255'],
    ['198.18.0.1', 15, '198.19.255.255'],
    ['192.168.1.77', 28, '192.168.1.79'],
    ['10.1.2.3', 8, '10.255.255.255'],
    ['198.18.0.9', 30, '198.18.0.11'],
    ['198.18.0.1', 16, '198.18.255.255'],
    // RFC 3021: no subnet broadcast on /31 (and none on /32): the limited broadcast stays on the bound link.
    ['198.18.0.0', 31, '255.255.255.255'],
    ['198.18.0.1', 32, '255.255.255.255'],
    ['198.18.0.1', '255.255.255.254', '255.255.255.255'],
    ['198.18.0.1', 0, '255.255.255.255'],
  ];
  for (const [address, netmask, broadcast] of cases) {
    test(`${address} / ${netmask} -> ${broadcast}`, () => {
      assert.equal(subnetBroadcast(address, netmask), broadcast);
    });
  }

  const bad: ReadonlyArray<readonly [string, number | string, string]> = [
    ['', 24, 'BAD_ADDRESS'],
    ['198.18.0', 24, 'BAD_ADDRESS'],
    ['198.18.0.256', 24, 'BAD_ADDRESS'],
    ['fe80::1', 64, 'BAD_ADDRESS'],
    ['198.18.0.1', 33, 'BAD_NETMASK'],
    ['198.18.0.1', -1, 'BAD_NETMASK'],
    ['198.18.0.1', 24.5, 'BAD_NETMASK'],
    ['198.18.0.1', '255.0.255.0', 'BAD_NETMASK'],
    ['198.18.0.1', '255.255.255', 'BAD_NETMASK'],
    ['198.18.0.1', '/24', 'BAD_NETMASK'],
    ['198.18.0.1', '', 'BAD_NETMASK'],
  ];
  for (const [address, netmask, code] of bad) {
    test(`"${address}" / "${netmask}" -> ${code}`, () => {
      assert.throws(
        () => subnetBroadcast(address, netmask),
        (error: unknown) => error instanceof SubnetBroadcastError && error.code === code,
      );
    });
  }
});
