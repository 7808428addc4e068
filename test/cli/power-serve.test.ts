// `bramble power` and `bramble wake` against a real `bramble serve` on loopback: a fake Tasmota plug on 127.0.0.1 is
// switched on and off through the CLI, the events show on the machine, and a wake goes to lo's broadcast address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess } from '../support/managed-process.js';
import { startTasmota } from '../power/support/fake-tasmota.js';
import { closedPortUrl } from '../power/support/fake-device.js';
import { bramble, cliPath, freePort, requireBuild } from './support/bramble-process.js';

test('power on/off/status switch a Tasmota plug through the running server; wake sends on lo', async (t) => {
  await requireBuild();
  const dir = await mkdtemp(join(tmpdir(), 'bramble-power-cli-'));
  const data = join(dir, 'data');
  await mkdir(data);
  const server = startProcess(
    [process.execPath, cliPath, 'serve', '--nfs', 'off', '--iscsi', 'off', '--interface', 'lo', '--address', '127.0.0.1', '--data-dir', data, '--dhcp-mode', 'off',
      '--http-port', String(await freePort()), '--tftp-port', String(await freePort()), '--ipxe-dir', dir],
    { label: 'bramble serve' },
  );
  t.after(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });
  await server.waitFor(/bramble is serving/, 20_000);
  const plug = await startTasmota(t, { password: 'plug-secret-7' });
  const cli = (...args: string[]) => bramble([...args, '--data-dir', data]);

  let r = await cli('machine', 'add', '52:54:00:00:00:31', '--name', 'nuc');
  assert.equal(r.code, 0, r.stderr);
  r = await cli('power', 'on', 'nuc');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^bramble: on 52:54:00:00:00:31 failed: NO_POWER_SETTINGS: machine 52:54:00:00:00:31 has no power settings/);
  r = await cli('machine', 'power-setup', 'nuc', '--driver', 'tasmota', '--set', `url=${plug.url}`, '--set', 'password=plug-secret-7', '--set', 'timeoutSeconds=3');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /power: tasmota url=http:\/\/127\.0\.0\.1:\d+ user=admin password=\*{8}/);

  r = await cli('power', 'on', 'nuc');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^on 52:54:00:00:00:31: on \(Tasmota at http:\/\/127\.0\.0\.1:\d+: Power On -> POWER=ON\)\n$/);
  assert.deepEqual(plug.power, [true]);
  r = await cli('power', 'status', '52-54-00-00-00-31');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^status 52:54:00:00:00:31: on /);
  r = await cli('power', 'off', 'nuc');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /: off \(.*POWER=OFF\)/);
  assert.deepEqual(plug.power, [false]);
  r = await cli('power', 'status', 'nuc');
  assert.match(r.stdout, /^status 52:54:00:00:00:31: off /);
  assert.deepEqual(plug.changes, ['POWER1 ON', 'POWER1 OFF']);

  // Failures come back as the code and message: the plug refusing a wrong password, a plug that is not there.
  r = await cli('machine', 'power-setup', 'nuc', '--driver', 'tasmota', '--set', 'password=wrong-one');
  assert.equal(r.code, 0, r.stderr);
  r = await cli('power', 'on', 'nuc');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^bramble: on 52:54:00:00:00:31 failed: AUTH_FAILED: /);
  assert.doesNotMatch(r.stderr, /wrong-one|plug-secret-7/);
  assert.deepEqual(plug.power, [false]);
  r = await cli('machine', 'power-setup', 'nuc', '--driver', 'tasmota', '--set', `url=${await closedPortUrl()}`);
  assert.equal(r.code, 0, r.stderr);
  r = await cli('power', 'cycle', 'nuc');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^bramble: cycle 52:54:00:00:00:31 failed: UNREACHABLE: /);

  r = await cli('machine', 'power-setup', 'nuc', '--driver', 'wol');
  assert.equal(r.code, 0, r.stderr);
  r = await cli('power', 'off', 'nuc');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^bramble: off 52:54:00:00:00:31 failed: UNSUPPORTED: the wol driver cannot off \(it can: on\)/);

  // The machine's timeline has the actions that changed something or failed, with who asked (status is not kept).
  r = await cli('machine', 'show', 'nuc');
  assert.equal(r.code, 0, r.stderr);
  const powerLines = r.stdout.split('\n').filter((line) => /^\s+\S+\s+power\s/.test(line));
  assert.equal(powerLines.length, 4, r.stdout);
  assert.match(powerLines[0]!, /power\s+on by admin \(control-socket\): Tasmota .*POWER=ON$/);
  assert.match(powerLines[1]!, /power\s+off by admin \(control-socket\): Tasmota .*POWER=OFF$/);
  assert.match(powerLines[2]!, /power\s+on by admin \(control-socket\) failed: /);
  assert.match(powerLines[3]!, /power\s+cycle by admin \(control-socket\) failed: /);
  assert.match(r.stdout, /^state: off$/m);

  r = await cli('ssh-key');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ssh-ed25519 AAAA\S+/);

  // Wake to a MAC Bramble does not know: on lo the subnet broadcast is 127.255.255.255, which stays on this host.
  const listener = await wolListener(t);
  r = await cli('wake', '52:54:00:00:00:99', '--count', '2', '--port', '9');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^wake 52:54:00:00:00:99: /);
  assert.match(r.stdout, /the server watches for 52:54:00:00:00:99 to boot/);
  if (listener !== null) {
    await listener.wait(2);
    const expected = Buffer.concat([Buffer.alloc(6, 0xff), ...Array.from({ length: 16 }, () => Buffer.from('525400000099', 'hex'))]);
    assert.deepEqual(listener.packets.slice(0, 2), [expected, expected]);
  }
  r = await cli('machine', 'show', '52:54:00:00:00:99');
  assert.equal(r.code, 1, 'a wake does not add the machine');
});

/** Receives magic packets on 127.255.255.255:9 when this user may bind port 9; null (and a note) when not. */
async function wolListener(t: test.TestContext): Promise<{ packets: Buffer[]; wait(n: number): Promise<void> } | null> {
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  const packets: Buffer[] = [];
  const bound = await new Promise<boolean>((resolve) => {
    socket.once('error', () => resolve(false));
    socket.bind(9, '127.255.255.255', () => resolve(true));
  });
  if (!bound) {
    t.diagnostic('port 9 cannot be bound here (not root, or taken): the packets themselves are not checked, only the answer');
    socket.close();
    return null;
  }
  t.after(() => socket.close());
  socket.on('message', (msg) => packets.push(msg));
  return {
    packets,
    async wait(n) {
      const deadline = Date.now() + 5000;
      while (packets.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    },
  };
}
