// The lease table's allocation rules and the pool plan's validation (RFC 2131 §4.3.1 address selection).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OFFER_RECLAIM_MS, createLeaseTable } from '../../src/dhcp/leases.js';
import type { Lease, LeaseState } from '../../src/dhcp/leases.js';
import { planPool } from '../../src/dhcp/pool.js';
import type { DhcpPool } from '../../src/dhcp/types.js';

const T0 = 1_700_000_000_000;
const small: DhcpPool = { first: '198.18.0.1', last: '198.18.0.6', netmask: '255.255.255.0', router: '198.18.0.3', leaseSeconds: 600 };

function lease(ip: string, mac: string | null, state: LeaseState, expiresAt: number, updatedAt = T0): Lease {
  return { ip, mac, clientId: null, hostname: null, state, expiresAt, updatedAt };
}

describe('allocate', () => {
  test('hands out never-used addresses in order, skipping us and the router', () => {
    const table = createLeaseTable(planPool(small, '198.18.0.2'));
    const got: string[] = [];
    for (let i = 0; i < 4; i++) {
      const ip = table.allocate(T0)!;
      got.push(ip);
      table.apply(lease(ip, `02:00:00:00:00:0${i}`, 'bound', T0 + 600_000));
    }
    assert.deepEqual(got, ['198.18.0.1', '198.18.0.4', '198.18.0.5', '198.18.0.6']);
    assert.equal(table.allocate(T0), null, 'exhausted');
  });

  test('when all were used once, the address free the longest comes first', () => {
    const table = createLeaseTable(planPool({ ...small, router: undefined, last: '198.18.0.4' }, '198.18.0.2'));
    table.apply(lease('198.18.0.1', '02:00:00:00:00:01', 'released', T0 + 50));
    table.apply(lease('198.18.0.3', '02:00:00:00:00:03', 'bound', T0 + 10));
    table.apply(lease('198.18.0.4', '02:00:00:00:00:04', 'bound', T0 + 999_999));
    assert.equal(table.allocate(T0 + 100), '198.18.0.3');
  });

  test('stale offers are taken back only when nothing else is free, and only after the hold', () => {
    const table = createLeaseTable(planPool({ ...small, router: undefined, last: '198.18.0.3' }, '198.18.0.2'));
    table.apply(lease('198.18.0.1', '02:00:00:00:00:01', 'offered', T0 + 600_000, T0));
    table.apply(lease('198.18.0.3', '02:00:00:00:00:03', 'offered', T0 + 600_000, T0 + 1000));
    assert.equal(table.allocate(T0 + OFFER_RECLAIM_MS - 1), null);
    assert.equal(table.allocate(T0 + OFFER_RECLAIM_MS), '198.18.0.1');
  });

  test('a declined address stays out until its quarantine ends', () => {
    const table = createLeaseTable(planPool({ ...small, router: undefined, last: '198.18.0.1' }, '198.18.0.2'));
    table.apply(lease('198.18.0.1', null, 'declined', T0 + 1000));
    assert.equal(table.allocate(T0), null);
    assert.equal(table.allocate(T0 + 1000), '198.18.0.1');
  });
});

describe('apply and availableTo', () => {
  const plan = planPool(small, '198.18.0.2');

  test('a bound address is available to its owner only, until it expires', () => {
    const table = createLeaseTable(plan);
    table.apply(lease('198.18.0.4', '02:00:00:00:00:01', 'bound', T0 + 1000));
    assert.equal(table.availableTo('198.18.0.4', '02:00:00:00:00:01', T0), true);
    assert.equal(table.availableTo('198.18.0.4', '02:00:00:00:00:02', T0), false);
    assert.equal(table.availableTo('198.18.0.4', '02:00:00:00:00:02', T0 + 1000), true);
  });

  test('a client moving to another address frees its old one; byMac follows it', () => {
    const table = createLeaseTable(plan);
    table.apply(lease('198.18.0.4', '02:00:00:00:00:01', 'bound', T0 + 1000));
    table.apply(lease('198.18.0.5', '02:00:00:00:00:01', 'bound', T0 + 1000, T0 + 10));
    assert.equal(table.byMac('02:00:00:00:00:01')?.ip, '198.18.0.5');
    assert.equal(table.get('198.18.0.4')?.state, 'released');
    assert.equal(table.availableTo('198.18.0.4', '02:00:00:00:00:02', T0 + 20), true);
  });

  test('an address taken over by another client leaves the old owner without a lease', () => {
    const table = createLeaseTable(plan);
    table.apply(lease('198.18.0.4', '02:00:00:00:00:01', 'released', T0));
    table.apply(lease('198.18.0.4', '02:00:00:00:00:02', 'bound', T0 + 1000));
    assert.equal(table.byMac('02:00:00:00:00:01'), undefined);
    assert.equal(table.byMac('02:00:00:00:00:02')?.ip, '198.18.0.4');
  });
});

describe('planPool refuses a pool that cannot work', () => {
  const cases: readonly [string, DhcpPool, string][] = [
    ['first after last', { ...small, first: '198.18.0.9', last: '198.18.0.1' }, '198.18.0.2'],
    ['not an address', { ...small, first: 'nope' }, '198.18.0.2'],
    ['non-contiguous netmask', { ...small, netmask: '255.0.255.0' }, '198.18.0.2'],
    ['range across subnets', { ...small, last: '198.18.1.5' }, '198.18.0.2'],
    ['server outside the subnet', small, '198.19.0.2'],
    ['router outside the subnet', { ...small, router: '10.0.0.1' }, '198.18.0.2'],
    ['lease too short', { ...small, leaseSeconds: 5 }, '198.18.0.2'],
    ['nothing left to lease', { ...small, first: '198.18.0.2', last: '198.18.0.3' }, '198.18.0.2'],
  ];
  for (const [name, pool, server] of cases) {
    test(name, () => assert.throws(() => planPool(pool, server), { code: 'INVALID_POOL' }));
  }
  test('a good pool excludes network, broadcast, us, router and DNS', () => {
    const plan = planPool({ first: '198.18.0.0', last: '198.18.0.255', netmask: '255.255.255.0', router: '198.18.0.1', dns: ['198.18.0.9'], leaseSeconds: 600 }, '198.18.0.2');
    assert.deepEqual([...plan.excluded].sort(), [0xc6120000, 0xc6120001, 0xc6120002, 0xc6120009, 0xc61200ff].sort());
  });
});
