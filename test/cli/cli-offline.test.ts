// CLI commands with no server running: they open the store themselves and go through the same admin API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './support/run-cli.js';

test('profiles: add, list, show, refuse duplicates and bad input, remove', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bramble-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const data = join(dir, 'data');
  const kernel = join(dir, 'vmlinuz');
  const initrd = join(dir, 'initrd.gz');
  await writeFile(kernel, 'k');
  await writeFile(initrd, 'i');
  const script = join(dir, 'x.ipxe');
  await writeFile(script, '#!ipxe\necho hello\nshell\n');

  let r = await cli(['profile', 'add', 'debian', '--kernel', kernel, '--initrd', initrd, '--cmdline', 'console=ttyS0', '--data-dir', data]);
  assert.equal(r.code, 0, r.err);
  r = await cli(['profile', 'add', 'hello', '--script', script], { BRAMBLE_DATA_DIR: data });
  assert.equal(r.code, 0, r.err);
  r = await cli(['profile', 'add', 'netbootxyz', '--chain', 'https://boot.netboot.xyz', '--data-dir', data]);
  assert.equal(r.code, 0, r.err);
  r = await cli(['profile', 'add', 'disk', '--local-disk', '--data-dir', data]);
  assert.equal(r.code, 0, r.err);

  r = await cli(['profile', 'add', 'debian', '--kernel', kernel, '--data-dir', data]);
  assert.equal(r.code, 1);
  assert.match(r.err, /exists/);
  r = await cli(['profile', 'add', 'bad', '--kernel', join(dir, 'missing'), '--data-dir', data]);
  assert.equal(r.code, 1);
  assert.match(r.err, /kernel: .*not a readable file/);
  r = await cli(['profile', 'add', 'two', '--kernel', kernel, '--local-disk', '--data-dir', data]);
  assert.equal(r.code, 1);
  assert.match(r.err, /exactly one/);
  r = await cli(['profile', 'add', 'x', '--bogus', '--data-dir', data]);
  assert.equal(r.code, 2);
  assert.match(r.err, /bogus/);

  r = await cli(['profile', 'ls', '--data-dir', data]);
  assert.equal(r.code, 0);
  assert.match(r.out, /debian\s+kernel/);
  assert.match(r.out, /hello\s+script/);
  assert.match(r.out, /netbootxyz\s+chain/);
  assert.match(r.out, /disk\s+local-disk/);
  r = await cli(['profile', 'show', 'debian', '--data-dir', data]);
  assert.deepEqual(JSON.parse(r.out).initrds, [initrd]);
  assert.equal(JSON.parse(r.out).cmdline, 'console=ttyS0');

  r = await cli(['machine', 'set', '52-54-00-AA-BB-CC', '--profile', 'debian', '--address', '198.18.0.50', '--data-dir', data]);
  assert.equal(r.code, 0, r.err);
  r = await cli(['machine', 'set', '52-54-00-AA-BB-CC', '--address', '198.18.0.500', '--data-dir', data]);
  assert.equal(r.code, 1);
  assert.match(r.err, /reservedAddress: "198\.18\.0\.500" is not an IPv4 address/);
  r = await cli(['profile', 'rm', 'debian', '--data-dir', data]);
  assert.equal(r.code, 1);
  assert.match(r.err, /assigned to 52:54:00:aa:bb:cc/);
  r = await cli(['profile', 'rm', 'debian', '--force', '--data-dir', data]);
  assert.equal(r.code, 0, r.err);
  r = await cli(['machine', 'ls', '--json', '--data-dir', data]);
  const machines = JSON.parse(r.out) as { mac: string; profile?: string; events: unknown[] }[];
  assert.equal(machines.length, 1);
  assert.equal(machines[0]!.profile, undefined);
  assert.equal((machines[0] as { reservedAddress?: string }).reservedAddress, '198.18.0.50');
  assert.deepEqual(machines[0]!.events, []);
  const stored = JSON.parse(await readFile(join(data, 'bramble.json'), 'utf8')) as { profiles: { name: string }[] };
  assert.deepEqual(stored.profiles.map((p) => p.name).sort(), ['disk', 'hello', 'netbootxyz']);
});

test('settings: set the menu timeout and default, refuse unknown keys and bad values', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bramble-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  let r = await cli(['settings', 'set', 'menu.timeoutSeconds', '3', '--data-dir', dir]);
  assert.equal(r.code, 0, r.err);
  r = await cli(['settings', 'set', 'menu.defaultEntry', 'debian', '--data-dir', dir]);
  assert.equal(r.code, 0, r.err);
  r = await cli(['settings', 'get', '--data-dir', dir]);
  assert.deepEqual(JSON.parse(r.out).menu, { title: 'Bramble network boot', timeoutSeconds: 3, defaultEntry: 'debian' });
  r = await cli(['settings', 'set', 'menu.timeoutSeconds', 'soon', '--data-dir', dir]);
  assert.equal(r.code, 1);
  assert.match(r.err, /menu\.timeoutSeconds/);
  r = await cli(['settings', 'set', 'menu.colour', 'red', '--data-dir', dir]);
  assert.equal(r.code, 1);
  assert.match(r.err, /menu\.colour: unknown setting/);
});

test('help, version and unknown commands', async () => {
  let r = await cli(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.out, /profile add NAME/);
  r = await cli(['serve', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.out, /--dhcp-mode off\|proxy\|full/);
  assert.match(r.out, /BRAMBLE_TFTP_PORT/);
  r = await cli(['--version']);
  assert.match(r.out, /^bramble \d+\.\d+\.\d+/);
  r = await cli(['frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown command "frobnicate"/);
});

test('serve refuses a bad setting with a message naming the key', async () => {
  const r = await cli(['serve', '--dhcp-mode', 'fulll', '--interface', 'lo', '--data-dir', '/nonexistent']);
  assert.equal(r.code, 2);
  assert.match(r.err, /config: dhcp\.mode: must be one of off, proxy, full/);
  const r2 = await cli(['serve', '--interface', 'lo', '--data-dir', '/nonexistent'], { BRAMBLE_HTTP_PORT: '99999' });
  assert.equal(r2.code, 2);
  assert.match(r2.err, /config: http\.port: .*BRAMBLE_HTTP_PORT/);
});
