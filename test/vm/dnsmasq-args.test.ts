// Tests for dnsmasq's two roles: the stand-in PXE server chains into iPXE; the home router offers no boot info.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { homeRouterArgs, pxeServerArgs } from './dnsmasq-args.js';

const base = { iface: 'eth0', range: { first: '198.18.0.100', last: '198.18.0.150' }, leaseFile: '/w/leases' };

test('both roles stay on their interface, serve no DNS and read no system config', () => {
  for (const args of [homeRouterArgs(base), pxeServerArgs({ ...base, tftpRoot: '/usr/lib/ipxe', scriptUrl: 'http://x/boot.ipxe' })]) {
    for (const flag of ['--conf-file=/dev/null', '--port=0', '--interface=eth0', '--bind-interfaces', '--dhcp-leasefile=/w/leases']) {
      assert.ok(args.includes(flag), flag);
    }
    assert.ok(args.includes('--dhcp-range=198.18.0.100,198.18.0.150,255.255.255.0,1h'));
  }
});

test('the home router says nothing about booting, so boot info can only come from proxyDHCP', () => {
  const args = homeRouterArgs(base);
  const bootish = args.filter((a) => /dhcp-boot|tftp|pxe|dhcp-option|dhcp-userclass|dhcp-match/.test(a));
  assert.deepEqual(bootish, []);
});

test('the stand-in answers iPXE with the script URL and plain PXE with the iPXE binary for its arch', () => {
  const args = pxeServerArgs({ ...base, tftpRoot: '/usr/lib/ipxe', scriptUrl: 'http://198.18.0.1:8080/boot.ipxe' });
  assert.ok(args.includes('--dhcp-boot=tag:ipxe,http://198.18.0.1:8080/boot.ipxe'));
  assert.ok(args.includes('--dhcp-boot=tag:!ipxe,tag:efi64,ipxe.efi'));
  assert.ok(args.includes('--dhcp-boot=tag:!ipxe,tag:!efi64,undionly.kpxe'));
  assert.ok(args.includes('--tftp-root=/usr/lib/ipxe'));
});
