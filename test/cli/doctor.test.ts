// `bramble doctor` on a test LAN where dnsmasq plays the home router: it finds the router and gives the advice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestLan } from '../support/test-lan.js';
import { startProcess } from '../support/managed-process.js';
import { requireFile, requireRoot, requireTool } from '../support/require-tool.js';
import { execFile } from 'node:child_process';

const cliPath = join(process.cwd(), 'bin', 'bramble.js');

test('doctor finds the home router and advises proxy mode; in full mode it fails', async (t) => {
  if (!requireRoot(t) || !requireTool(t, 'dnsmasq', 'dnsmasq-base') || !requireFile(t, '/usr/lib/ipxe/undionly.kpxe', 'ipxe')) return;
  const dir = await mkdtemp(join(tmpdir(), 'bramble-doctor-'));
  const lan = await createTestLan();
  t.after(async () => {
    await lan.destroy();
    await rm(dir, { recursive: true, force: true });
  });
  const router = await lan.addHost('198.18.0.254');
  const dnsmasq = startProcess(
    router.argv(['dnsmasq', '-d', '-C', '/dev/null', '--port=0', '--interface=eth0', '--bind-interfaces',
      '--dhcp-range=198.18.0.100,198.18.0.150,255.255.255.0,1h', `--dhcp-leasefile=${join(dir, 'leases')}`, '--pid-file']),
    { label: 'dnsmasq (home router)' },
  );
  t.after(() => dnsmasq.stop().then(() => undefined));
  await dnsmasq.waitFor(/DHCP, IP range 198\.18\.0\.100/, 10_000);

  const doctor = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const [file, ...rest] = lan.ns.argv([process.execPath, cliPath, 'doctor', '--interface', 'br0', '--data-dir', join(dir, 'data'), ...args]);
      execFile(file!, rest, { timeout: 30_000 }, (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
      );
    });

  const proxy = await doctor('--dhcp-mode', 'proxy');
  assert.equal(proxy.code, 0, proxy.stdout + proxy.stderr);
  assert.match(proxy.stdout, /ok\s+interface br0 has 198\.18\.0\.1\/255\.255\.255\.0/);
  assert.match(proxy.stdout, /ok\s+iPXE binary \/usr\/lib\/ipxe\/undionly\.kpxe present/);
  assert.match(proxy.stdout, /found a DHCP server offering 198\.18\.0\.1[0-4]\d at 198\.18\.0\.254/);
  assert.match(proxy.stdout, /keep --dhcp-mode proxy/);

  const full = await doctor('--dhcp-mode', 'full', '--dhcp-range', '198.18.0.160-198.18.0.200');
  assert.equal(full.code, 1, full.stdout + full.stderr);
  assert.match(full.stdout, /FAIL\s+another DHCP server \(198\.18\.0\.254\) hands out addresses: two full DHCP servers fight/);
});
