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

test('doctor finds the home router and advises proxy mode, checks the NFS ports and its own flags; in full mode it fails', async (t) => {
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
  for (const line of [/ok\s+portmapper port 111 is free on 198\.18\.0\.1/, /ok\s+MOUNT port 20048 is free/, /ok\s+NFS port 2049 is free/, /ok\s+iSCSI port 3260 is free/]) assert.match(proxy.stdout, line);
  assert.match(proxy.stdout, /ok\s+interface br0 has 198\.18\.0\.1\/255\.255\.255\.0/);
  assert.match(proxy.stdout, /ok\s+iPXE binary \/usr\/lib\/ipxe\/undionly\.kpxe present/);
  // dnsmasq offers any address of its range, 198.18.0.100 to 198.18.0.150 both included.
  assert.match(proxy.stdout, /found a DHCP server offering 198\.18\.0\.(?:1[0-4]\d|150) at 198\.18\.0\.254/);
  assert.match(proxy.stdout, /keep --dhcp-mode proxy/);

  // Something already on 111 (rpcbind, as a stock Debian has): serve would fail, so the doctor says so.
  const holder = startProcess(
    lan.ns.argv([process.execPath, '-e', "require('net').createServer().listen(111, '198.18.0.1', () => console.log('holding 111'))"]),
    { label: 'port 111 holder' },
  );
  t.after(() => holder.stop().then(() => undefined));
  await holder.waitFor(/holding 111/, 10_000);
  const taken = await doctor('--dhcp-mode', 'proxy', '--probe-seconds', '1');
  assert.equal(taken.code, 1, taken.stdout + taken.stderr);
  assert.match(taken.stdout, /FAIL\s+portmapper port 111 on 198\.18\.0\.1 cannot be bound \(EADDRINUSE\) \(usually rpcbind.*--portmap-port, or serve with --nfs off/);
  assert.match((await doctor('--nfs', 'off', '--probe-seconds', '1')).stdout, /^(?![\s\S]*portmapper port)/);
  await holder.stop();

  const badProbe = await doctor('--probe-seconds', 'soon');
  assert.equal(badProbe.code, 1);
  assert.match(badProbe.stdout, /FAIL\s+--probe-seconds: must be a whole number from 1 to 60 \(got "soon"\)/);

  const full = await doctor('--dhcp-mode', 'full', '--dhcp-range', '198.18.0.160-198.18.0.200');
  assert.equal(full.code, 1, full.stdout + full.stderr);
  assert.match(full.stdout, /FAIL\s+another DHCP server \(198\.18\.0\.254\) hands out addresses: two full DHCP servers fight/);
});
