// parseIpAddrJson on real `ip -j addr show` output captured in a test namespace (see the capture note below).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseIpAddrJson } from '../../src/net/host-interfaces.js';

// Captured with: ip netns add NS; two veth pairs; veth-a (198.18.1.1/24) up with its peer veth-b down, so
// veth-a has NO-CARRIER; veth-c (198.18.2.1/24) and veth-d up; `ip -n NS -j addr show`. In that namespace
// os.networkInterfaces() listed only lo, veth-c and veth-d: the interface without carrier was missing.
const fixture = join(import.meta.dirname, 'fixtures', 'ip-addr-show.json');

test('an interface without carrier is still listed with its IPv4 address, netmask and MAC', async () => {
  const map = parseIpAddrJson(await readFile(fixture, 'utf8'));
  assert.deepEqual(map['veth-a'], [
    { address: '198.18.1.1', netmask: '255.255.255.0', family: 'IPv4', mac: '06:68:6e:49:96:29', internal: false, cidr: '198.18.1.1/24' },
  ]);
  assert.equal(map['veth-c']?.[0]?.address, '198.18.2.1');
  assert.deepEqual(map['veth-b'], [], 'an interface with no IPv4 is listed with none');
  assert.equal(map['veth-d']?.length, 0, 'IPv6 link-local addresses are left out');
  assert.deepEqual(map.lo, [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }]);
});

test('output that is not a JSON array is refused', () => {
  assert.throws(() => parseIpAddrJson('{}'), /JSON array/);
  assert.throws(() => parseIpAddrJson('not json'));
  assert.deepEqual(parseIpAddrJson('[{"ifname": 3}, {"ifname": "x", "addr_info": [{"family": "inet", "local": "1.2.3.4"}]}]'), { x: [] });
});
