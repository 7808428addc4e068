// Bramble's NFS service as a real client sees it: libnfs-utils (nfs-ls -R, nfs-cat, nfs-cp both ways) against
// `bramble serve`, in two network namespaces on 198.18.0.0/24 (the server, and a second "machine" address).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { startProcess, type ManagedProcess } from '../support/managed-process.js';
import { createNetns, type Netns } from '../support/netns.js';
import { requireRoot, requireTool } from '../support/require-tool.js';
import { folderManifest } from './folder-manifest.js';

const run = promisify(execFile);
const cliPath = join(process.cwd(), 'bin', 'bramble.js');
const SERVER = '198.18.0.1';
const MACHINE = '198.18.0.2';
const STRANGER = '198.18.0.3';

interface Lab {
  readonly dir: string;
  readonly data: string;
  readonly golden: string;
  /** Where the machine and the stranger run their clients. */
  readonly machine: Netns;
  readonly stranger: Netns;
  readonly serverNs: Netns;
  serve(): Promise<ManagedProcess>;
  cli(args: readonly string[]): Promise<string>;
}

async function lab(t: TestContext): Promise<Lab | null> {
  if (!requireRoot(t) || !requireTool(t, 'nfs-ls', 'libnfs-utils') || !requireTool(t, 'nfs-cp', 'libnfs-utils')) return null;
  const dir = await mkdtemp(join(tmpdir(), 'bramble-libnfs-'));
  const serverNs = await createNetns();
  const machine = await createNetns();
  const stranger = await createNetns();
  t.after(async () => {
    for (const ns of [machine, stranger, serverNs]) await ns.destroy();
    await rm(dir, { recursive: true, force: true });
  });
  // One bridge in the server's namespace, a veth to each client namespace.
  await serverNs.run(['ip', 'link', 'add', 'br0', 'type', 'bridge']);
  await serverNs.run(['ip', 'addr', 'add', `${SERVER}/24`, 'dev', 'br0']);
  await serverNs.run(['ip', 'link', 'set', 'br0', 'up']);
  for (const [ns, address, n] of [[machine, MACHINE, 1], [stranger, STRANGER, 2]] as const) {
    await serverNs.run(['ip', 'link', 'add', `p${n}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.name]);
    await serverNs.run(['ip', 'link', 'set', `p${n}`, 'master', 'br0']);
    await serverNs.run(['ip', 'link', 'set', `p${n}`, 'up']);
    await ns.run(['ip', 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
    await ns.run(['ip', 'link', 'set', 'eth0', 'up']);
    await ns.run(['ip', 'link', 'set', 'lo', 'up']);
  }
  const data = join(dir, 'data');
  const golden = join(data, 'nfs', 'roots', 'debian');
  await mkdir(join(golden, 'etc', 'apt'), { recursive: true });
  await mkdir(join(golden, 'usr', 'bin'), { recursive: true });
  await writeFile(join(golden, 'etc', 'hostname'), 'golden\n');
  await writeFile(join(golden, 'etc', 'apt', 'sources.list'), 'deb http://deb.debian.org/debian bookworm main\n');
  await writeFile(join(golden, 'usr', 'bin', 'tool'), randomBytes(1_500_000));
  await writeFile(join(golden, 'motd'), randomBytes(300_000));
  await symlink('usr/bin', join(golden, 'bin'));
  return {
    dir,
    data,
    golden,
    machine,
    stranger,
    serverNs,
    async serve() {
      const server = startProcess(
        serverNs.argv([process.execPath, cliPath, 'serve', '--interface', 'br0', '--address', SERVER, '--data-dir', data, '--dhcp-mode', 'off',
          '--http-port', '8080', '--tftp-port', '6969', '--ipxe-dir', dir]),
        { label: 'bramble serve' },
      );
      t.after(() => server.stop().then(() => undefined));
      await server.waitFor(/"msg":"bramble is serving"/, 20_000);
      return server;
    },
    async cli(args) {
      const { stdout } = await run('ip', ['netns', 'exec', serverNs.name, process.execPath, cliPath, ...args, '--data-dir', data]);
      return stdout;
    },
  };
}

const url = (path: string): string => `nfs://${SERVER}${path}?version=3`;

async function client(ns: Netns, argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const result = await run('ip', ['netns', 'exec', ns.name, ...argv], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code?: number; stdout?: Buffer; stderr?: Buffer }) => ({ code: e.code ?? 1, stdout: e.stdout ?? Buffer.alloc(0), stderr: e.stderr ?? Buffer.alloc(0) }),
  );
  return { code: result.code, stdout: result.stdout.toString('latin1'), stderr: result.stderr.toString() };
}

test('libnfs: a machine lists, reads and writes its own layer; golden is byte-identical; another address is refused; reset brings golden back', { timeout: 120_000 }, async (t) => {
  const l = await lab(t);
  if (l === null) return;
  const before = await folderManifest(l.golden);
  let server = await l.serve();
  await l.cli(['nfs', 'add', 'debian', '--allow', MACHINE, '--name', 'node1']);
  await l.cli(['nfs', 'add', 'debian', '--allow', '198.18.0.0/24']);
  const layer = '/bramble/debian/node1';

  // nfs-ls -R shows the whole golden tree, names and sizes as on disk.
  const listing = await client(l.machine, ['nfs-ls', '-R', url(layer)]);
  assert.equal(listing.code, 0, listing.stderr);
  for (const path of ['etc/hostname', 'etc/apt/sources.list', 'usr/bin/tool', 'motd', 'bin']) assert.match(listing.stdout, new RegExp(`\\s${path.replace(/\./g, '\\.')}(\\s|$)`, 'm'), `${path} listed`);
  assert.match(listing.stdout, /1500000\s+usr\/bin\/tool/);

  // nfs-cat of a golden file: byte-identical.
  const motd = await client(l.machine, ['nfs-cat', url(`${layer}/motd`)]);
  assert.equal(motd.code, 0, motd.stderr);
  assert.ok(Buffer.from(motd.stdout, 'latin1').equals(await readFile(join(l.golden, 'motd'))));

  // nfs-cp up into the layer (nfs-cp will not copy over an existing name: it got EXIST), then read back with nfs-cp down.
  const upload = randomBytes(3 * 1024 * 1024 + 17);
  await writeFile(join(l.dir, 'up.bin'), upload);
  const replaced = randomBytes(70_000);
  await writeFile(join(l.dir, 'motd.new'), replaced);
  for (const [from, to] of [[join(l.dir, 'up.bin'), url(`${layer}/up.bin`)], [join(l.dir, 'motd.new'), url(`${layer}/motd.new`)]] as const) {
    const copied = await client(l.machine, ['nfs-cp', from, to]);
    assert.equal(copied.code, 0, copied.stderr);
  }
  for (const [from, expected, out] of [[url(`${layer}/up.bin`), upload, join(l.dir, 'down1')], [url(`${layer}/motd.new`), replaced, join(l.dir, 'down2')]] as const) {
    // nfs-cp will not overwrite a local file either: each goes to a new one.
    const copied = await client(l.machine, ['nfs-cp', from, out]);
    assert.equal(copied.code, 0, copied.stderr);
    assert.ok((await readFile(out)).equals(expected), `${from} read back byte-identical`);
  }

  // The shared export is read-only, and shows golden, not the machine's layer.
  const shared = await client(l.machine, ['nfs-cp', join(l.dir, 'up.bin'), url('/bramble/debian/up.bin')]);
  assert.notEqual(shared.code, 0, 'a write to the read-only export fails');
  assert.match(shared.stderr, /ROFS/);
  const sharedMotd = await client(l.stranger, ['nfs-cat', url('/bramble/debian/motd')]);
  assert.equal(sharedMotd.code, 0, sharedMotd.stderr);
  assert.ok(Buffer.from(sharedMotd.stdout, 'latin1').equals(await readFile(join(l.golden, 'motd'))));

  // Another address may not mount the machine's layer.
  const refused = await client(l.stranger, ['nfs-ls', url(layer)]);
  assert.notEqual(refused.code, 0, 'the stranger is refused');
  assert.match(refused.stderr, /MNT3ERR_ACCES|permission|denied/i);

  // The layer survives a restart of Bramble.
  await server.stop();
  server = await l.serve();
  const again = await client(l.machine, ['nfs-cat', url(`${layer}/up.bin`)]);
  assert.equal(again.code, 0, again.stderr);
  assert.ok(Buffer.from(again.stdout, 'latin1').equals(upload), 'written data kept across a restart');

  const ls = JSON.parse(await l.cli(['nfs', 'ls', '--json'])) as Array<{ path: string; layerBytes: number }>;
  assert.ok(ls.find((e) => e.path === layer)!.layerBytes >= upload.length, 'the layer size counts what was written');

  // Reset: the machine sees golden again.
  await l.cli(['nfs', 'reset', layer]);
  const afterReset = await client(l.machine, ['nfs-ls', url(layer)]);
  assert.equal(afterReset.code, 0, afterReset.stderr);
  assert.doesNotMatch(afterReset.stdout, /up\.bin/);
  const motdAgain = await client(l.machine, ['nfs-cat', url(`${layer}/motd`)]);
  assert.ok(Buffer.from(motdAgain.stdout, 'latin1').equals(await readFile(join(l.golden, 'motd'))), 'golden motd is back');

  assert.deepEqual(await folderManifest(l.golden), before, 'the golden folder is byte-identical');
  await server.stop();
});
