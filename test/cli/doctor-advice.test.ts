import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dhcpAdvice, servicePortAdvice, type Finding } from '../../src/cli/doctor-advice.js';
import type { FoundDhcpServer as Found } from '../../src/dhcp/probe.js';

const found = (f: Pick<Found, 'server' | 'proxy'> & Partial<Found>): Found => ({ offeredAddress: null, bootFile: null, vendorClass: null, ...f });

const own = '192.168.1.5';
const router = found({ server: '192.168.1.1', proxy: false, offeredAddress: '192.168.1.77' });
const routerQuiet = found({ server: '192.168.1.1', proxy: false });
const otherProxy = found({ server: '192.168.1.9', proxy: true, bootFile: 'pxelinux.0', vendorClass: 'PXEClient' });
const ourselves = found({ server: own, proxy: true, bootFile: 'undionly.kpxe', vendorClass: 'PXEClient' });

const foundRouter: Finding = { level: 'ok', text: 'found a DHCP server offering 192.168.1.77 at 192.168.1.1' };
const foundProxy: Finding = { level: 'ok', text: 'found a proxyDHCP/PXE server at 192.168.1.9 (boot file pxelinux.0)' };
const routerOk: Finding = { level: 'ok', text: 'your router hands out addresses: keep --dhcp-mode proxy (the default) beside it' };
const noRouterWarn: Finding = {
  level: 'warn',
  text: 'no DHCP server hands out addresses here: proxy mode needs one (your router); use --dhcp-mode full if Bramble should be the DHCP server',
};
const fullSafe: Finding = { level: 'ok', text: 'no other DHCP server hands out addresses here: full mode is safe' };
const twoProxies: Finding = {
  level: 'warn',
  text: 'another PXE/proxyDHCP server (192.168.1.9) also answers boot requests: clients may boot from either; switch one off',
};

const cases: readonly { name: string; found: Found[]; mode: 'off' | 'proxy' | 'full'; expect: Finding[] }[] = [
  { name: 'router only, proxy mode: ok', found: [router], mode: 'proxy', expect: [foundRouter, routerOk] },
  {
    name: 'router only, full mode: fail',
    found: [router],
    mode: 'full',
    expect: [
      foundRouter,
      { level: 'fail', text: 'another DHCP server (192.168.1.1) hands out addresses: two full DHCP servers fight; use --dhcp-mode proxy beside your router' },
    ],
  },
  { name: 'nothing found, proxy mode: warn', found: [], mode: 'proxy', expect: [noRouterWarn] },
  { name: 'nothing found, full mode: ok', found: [], mode: 'full', expect: [fullSafe] },
  { name: 'only our own answer counts as nothing', found: [ourselves], mode: 'proxy', expect: [noRouterWarn] },
  { name: 'router and another proxy, proxy mode: warn', found: [router, otherProxy], mode: 'proxy', expect: [foundRouter, foundProxy, routerOk, twoProxies] },
  { name: 'another proxy without router, proxy mode', found: [otherProxy], mode: 'proxy', expect: [foundProxy, noRouterWarn, twoProxies] },
  { name: 'another proxy, full mode', found: [otherProxy], mode: 'full', expect: [foundProxy, fullSafe, twoProxies] },
  { name: 'another proxy while Bramble serves no DHCP: no clash', found: [router, otherProxy], mode: 'off', expect: [foundRouter, foundProxy, routerOk] },
  {
    name: 'a router that offered no address',
    found: [routerQuiet, ourselves],
    mode: 'proxy',
    expect: [{ level: 'ok', text: 'found a DHCP server offering an address at 192.168.1.1' }, routerOk],
  },
  {
    name: 'two routers in full mode are both named',
    found: [router, found({ server: '192.168.1.254', proxy: false, offeredAddress: '192.168.1.200' })],
    mode: 'full',
    expect: [
      foundRouter,
      { level: 'ok', text: 'found a DHCP server offering 192.168.1.200 at 192.168.1.254' },
      { level: 'fail', text: 'another DHCP server (192.168.1.1, 192.168.1.254) hands out addresses: two full DHCP servers fight; use --dhcp-mode proxy beside your router' },
    ],
  },
];

for (const c of cases) {
  test(`dhcpAdvice: ${c.name}`, () => {
    assert.deepEqual(dhcpAdvice(c.found, own, c.mode), c.expect);
  });
}

test('servicePortAdvice: names the flag that moves the port, and the usual holder (rpcbind on 111, tgt on 3260)', () => {
  const portmap = servicePortAdvice('portmapper', 111, '--portmap-port', '192.168.1.5', 'EADDRINUSE');
  assert.equal(portmap.level, 'fail');
  assert.match(portmap.text, /portmapper port 111 on 192\.168\.1\.5 cannot be bound \(EADDRINUSE\) \(usually rpcbind/);
  assert.match(portmap.text, /--portmap-port, or serve with --nfs off/);
  const nfs = servicePortAdvice('NFS', 2049, '--nfs-port', '192.168.1.5', 'EACCES');
  assert.doesNotMatch(nfs.text, /rpcbind/);
  assert.match(nfs.text, /--nfs-port/);
  const iscsi = servicePortAdvice('iSCSI', 3260, '--iscsi-port', '192.168.1.5', 'EADDRINUSE');
  assert.match(iscsi.text, /iSCSI port 3260 on 192\.168\.1\.5 cannot be bound \(EADDRINUSE\) \(usually tgt/);
  assert.match(iscsi.text, /--iscsi-port, or serve with --iscsi off/);
  assert.doesNotMatch(iscsi.text, /--nfs off/);
});
