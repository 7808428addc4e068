// `bramble serve` in full mode on a bridge that has no carrier yet (its only port is an unopened tap): it still finds the interface,
// its startup probe finds no other server, and the probe's own DISCOVER is neither leased nor recorded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createNetns } from '../support/netns.js';
import { startProcess } from '../support/managed-process.js';
import { requireRoot } from '../support/require-tool.js';
import { interfaceMac } from '../../src/net/host-interfaces.js';

const run = promisify(execFile);
const cliPath = join(process.cwd(), 'bin', 'bramble.js');

test('interfaceMac reads sysfs, and says null for no such interface', async () => {
  assert.equal(await interfaceMac('lo'), '00:00:00:00:00:00');
  assert.equal(await interfaceMac('no-such-if0'), null);
});

test('the startup probe on a carrier-less bridge leaves no lease and no machine behind', async (t) => {
  if (!requireRoot(t)) return;
  const dir = await mkdtemp(join(tmpdir(), 'bramble-probe-'));
  const ns = await createNetns();
  t.after(async () => {
    await ns.destroy();
    await rm(dir, { recursive: true, force: true });
  });
  await ns.run(['ip', 'link', 'add', 'br0', 'type', 'bridge']);
  await ns.run(['ip', 'addr', 'add', '198.18.0.1/24', 'dev', 'br0']);
  // A tap nobody has opened yet (as before a VM starts) is a port without carrier, so br0 has none either.
  await ns.run(['ip', 'tuntap', 'add', 'dev', 'tap0', 'mode', 'tap']);
  await ns.run(['ip', 'link', 'set', 'tap0', 'master', 'br0']);
  await ns.run(['ip', 'link', 'set', 'tap0', 'up']);
  await ns.run(['ip', 'link', 'set', 'br0', 'up']);
  const data = join(dir, 'data');
  const server = startProcess(
    ns.argv([process.execPath, cliPath, 'serve', '--interface', 'br0', '--data-dir', data, '--dhcp-mode', 'full',
      '--dhcp-range', '198.18.0.100-198.18.0.150', '--http-port', '8080', '--tftp-port', '6969', '--ipxe-dir', dir]),
    { label: 'bramble serve' },
  );
  t.after(() => server.stop().then(() => undefined));
  await server.waitFor(/"msg":"bramble is serving".*"interface":"br0","address":"198\.18\.0\.1"/, 20_000);
  await server.waitFor(/"msg":"no other DHCP server answered on this segment"/, 20_000);
  const { stdout } = await run(process.execPath, [cliPath, 'machine', 'ls', '--json', '--data-dir', data]);
  assert.deepEqual(JSON.parse(stdout), [], 'the probe is not a machine');
  const leases = await readFile(join(data, 'dhcp-leases.jsonl'), 'utf8').catch(() => '');
  assert.equal(leases.trim(), '', `no lease for the probe: ${leases}`);
});
