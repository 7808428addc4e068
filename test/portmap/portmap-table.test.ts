// The portmapper's table lookups (RFC 1833 §3.1 GETPORT, §2.2 GETADDR) and universal addresses (RFC 5665 §5.2.3.3).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findPort, findUniversalAddress, IpProto, portmapperMappings, PortmapTable } from '../../src/portmap/portmap-table.js';
import { formatUniversalAddress, parseUniversalAddress } from '../../src/portmap/universal-address.js';

const table = new PortmapTable();
table.set({ prog: 100003, vers: 3, prot: IpProto.tcp, port: 2049 });
table.set({ prog: 100005, vers: 3, prot: IpProto.tcp, port: 20048 });
table.set({ prog: 100005, vers: 1, prot: IpProto.tcp, port: 20049 });
table.set({ prog: 100005, vers: 3, prot: IpProto.udp, port: 20048 });
const list = table.list();

test('findPort: exact version, else any version of the program on that protocol, else 0', () => {
  const cases: Array<[number, number, number, number]> = [
    [100003, 3, 6, 2049],
    [100003, 4, 6, 2049], // the service itself answers PROG_MISMATCH; rpcbind's GETPORT does the same
    [100003, 3, 17, 0], // no UDP
    [100005, 1, 6, 20049],
    [100005, 3, 6, 20048],
    [100005, 3, 17, 20048],
    [100004, 1, 6, 0],
    [100003, 3, 132, 0], // SCTP or any other protocol: unknown
  ];
  for (const [prog, vers, prot, port] of cases) assert.equal(findPort(list, prog, vers, prot), port, `${prog}/${vers}/${prot}`);
});

test('findUniversalAddress: netids tcp and udp only; GETVERSADDR wants the exact version', () => {
  const cases: Array<[number, number, string, boolean, string]> = [
    [100003, 3, 'tcp', false, '198.18.0.1.8.1'],
    [100003, 4, 'tcp', false, '198.18.0.1.8.1'],
    [100003, 4, 'tcp', true, ''],
    [100005, 3, 'udp', true, '198.18.0.1.78.80'],
    [100003, 3, 'udp', false, ''],
    [100003, 3, 'tcp6', false, ''],
    [100003, 3, 'local', false, ''],
  ];
  for (const [prog, vers, netid, exact, uaddr] of cases) {
    assert.equal(findUniversalAddress(list, prog, vers, netid, '198.18.0.1', exact), uaddr, `${prog}/${vers}/${netid}/${exact}`);
  }
});

test('set replaces the same (prog, vers, prot); unset removes a (prog, vers) on every protocol', () => {
  const t = new PortmapTable();
  t.set({ prog: 1, vers: 1, prot: IpProto.tcp, port: 10 });
  t.set({ prog: 1, vers: 1, prot: IpProto.udp, port: 11 });
  t.set({ prog: 1, vers: 1, prot: IpProto.tcp, port: 12 });
  t.set({ prog: 1, vers: 2, prot: IpProto.tcp, port: 13 });
  assert.deepEqual(t.list().map((m) => m.port), [11, 12, 13]);
  t.unset(1, 1);
  assert.deepEqual(t.list(), [{ prog: 1, vers: 2, prot: IpProto.tcp, port: 13 }]);
});

test('portmapperMappings lists each served version on each bound transport, as rpcbind lists itself', () => {
  assert.deepEqual(portmapperMappings([2], 111, null), [{ prog: 100000, vers: 2, prot: 6, port: 111 }]);
  assert.equal(portmapperMappings([4, 3, 2], 111, 111).length, 6);
});

test('universal addresses: a.b.c.d.p1.p2 both ways, and what is not one', () => {
  const cases: Array<[string, number, string]> = [
    ['127.0.0.1', 111, '127.0.0.1.0.111'],
    ['198.18.0.1', 2049, '198.18.0.1.8.1'],
    ['0.0.0.0', 65535, '0.0.0.0.255.255'],
    ['10.1.2.3', 0, '10.1.2.3.0.0'],
  ];
  for (const [address, port, uaddr] of cases) {
    assert.equal(formatUniversalAddress(address, port), uaddr);
    assert.deepEqual(parseUniversalAddress(uaddr), { address, port });
  }
  for (const bad of ['', '127.0.0.1', '127.0.0.1.0', '127.0.0.1.0.256', '::1.0.111', '1.2.3.4.5.6.7', 'a.b.c.d.e.f', '1.2.3.4.-1.0']) {
    assert.equal(parseUniversalAddress(bad), null, bad);
  }
});
