// The inventory agent (src/inventory/agent/bramble-agent.sh) run by busybox sh, as in a netboot initramfs.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, hostname, networkInterfaces, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkAgentFacts, type AgentFacts } from '../../src/inventory/agent-facts.js';
import { findTool, requireTool } from '../support/require-tool.js';
import { runCommand, runCommandStatus, type CommandStatus } from '../support/run-command.js';
import { x86PcFacts } from './x86-pc-facts.js';

const script = fileURLToPath(new URL('../../src/inventory/agent/bramble-agent.sh', import.meta.url));
const fixtures = fileURLToPath(new URL('../fixtures/agent/', import.meta.url));
// base64url, as src/auth/secret-token.ts makes them, and starting with "-" like one in four of those.
const token = '-Xq3vT9_secretTOKENvalue-0123456789abcdefGHIJ';

interface Agent {
  run(args: readonly string[], env?: Readonly<Record<string, string>>): Promise<CommandStatus>;
  /** --print against a root, parsed and validated. */
  facts(root: string, env?: Readonly<Record<string, string>>): Promise<AgentFacts>;
}

let appletDir: Promise<string> | undefined;
after(async () => {
  if (appletDir !== undefined) await rm(await appletDir, { recursive: true, force: true });
});

/** A folder of links to every busybox applet, made once for the whole file. */
function applets(busybox: string): Promise<string> {
  appletDir ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bramble-agent-bin-'));
    const { stdout } = await runCommand([busybox, '--list']);
    await Promise.all(stdout.split('\n').filter((n) => n !== '').map((name) => symlink(busybox, join(dir, name))));
    return dir;
  })();
  return appletDir;
}

/** busybox sh with a PATH of busybox applets only, so that nothing from the host's coreutils sneaks in. */
async function agent(t: TestContext): Promise<Agent | undefined> {
  if (!requireTool(t, 'busybox', 'busybox-static')) return undefined;
  const busybox = findTool('busybox')!;
  const path = await applets(busybox);
  const run = (args: readonly string[], env: Readonly<Record<string, string>> = {}) =>
    runCommandStatus([busybox, 'sh', script, ...args], { env: { PATH: path, ...env }, timeoutMs: 30_000 });
  return {
    run,
    async facts(root, env = {}) {
      const result = await run(['--print'], { BRAMBLE_AGENT_ROOT: root, ...env });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
      const check = checkAgentFacts(JSON.parse(result.stdout));
      assert.ok(check.ok, check.ok ? '' : `${check.field}: ${check.error}`);
      return check.facts;
    },
  };
}

async function tempDir(t: TestContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A file's content, a folder (`{}`) or a symbolic link. */
type Node = string | Buffer | { readonly link: string } | Readonly<Record<string, never>>;

async function writeTree(root: string, tree: Readonly<Record<string, Node>>): Promise<void> {
  for (const [path, node] of Object.entries(tree)) {
    const full = join(root, path);
    await mkdir(dirname(full), { recursive: true });
    if (typeof node === 'string' || Buffer.isBuffer(node)) await writeFile(full, node);
    else if ('link' in node) await symlink(node.link as string, full);
    else await mkdir(full, { recursive: true });
  }
}

test('agent: x86 PC with NVMe, SATA and USB disks, wired and Wi-Fi NICs, full DMI', async (t) => {
  const a = await agent(t);
  if (a === undefined) return;
  assert.deepEqual(await a.facts(join(fixtures, 'x86-pc')), x86PcFacts);
});

test('agent: Raspberry Pi 4 with an SD card, device-tree model and cpuinfo Serial, no DMI', async (t) => {
  const a = await agent(t);
  if (a === undefined) return;
  const facts = await a.facts(join(fixtures, 'raspberry-pi-4'));
  assert.deepEqual(facts, {
    hostname: 'pi4-a',
    kernel: '6.1.0-rpi7-rpi-v8',
    cmdline: (await readFile(join(fixtures, 'raspberry-pi-4/proc/cmdline'), 'utf8')).trim(),
    cpu: { model: 'ARM Cortex-A72', implementer: '0x41', part: '0xd08', cores: 4, threads: 4 },
    memoryBytes: 7998712 * 1024,
    disks: [{ name: 'mmcblk0', sizeBytes: 62333952 * 512, model: 'SC32G', rotational: false, removable: false }],
    nics: [
      { name: 'eth0', mac: 'dc:a6:32:01:36:c2', speedMbps: 1000, driver: 'bcmgenet' },
      { name: 'wlan0', mac: 'dc:a6:32:01:36:c3', driver: 'brcmfmac' },
    ],
    deviceModel: 'Raspberry Pi 4 Model B Rev 1.4',
    piSerial: '10000000a1b2c3d4',
  });
});

test('agent: QEMU VM with virtio disk and NIC, a DVD drive, partial DMI, no hostname yet', async (t) => {
  const a = await agent(t);
  if (a === undefined) return;
  assert.deepEqual(await a.facts(join(fixtures, 'qemu-vm')), {
    kernel: '6.1.0-18-amd64',
    cmdline: 'console=ttyS0 bramble.machine=52-54-00-12-34-56 quiet',
    cpu: { model: 'QEMU Virtual CPU version 2.5+', cores: 2, threads: 2 },
    memoryBytes: 2014604 * 1024,
    disks: [
      { name: 'sr0', sizeBytes: 0, model: 'QEMU DVD-ROM', rotational: true, removable: true },
      { name: 'vda', sizeBytes: 41943040 * 512, rotational: true, removable: false },
    ],
    nics: [{ name: 'ens3', mac: '52:54:00:12:34:56', driver: 'virtio_net' }],
    manufacturer: 'QEMU',
    product: 'Standard PC (Q35 + ICH9, 2009)',
    uuid: '8f7f0e4a-5c3b-4d2e-a1f0-525400123456',
    biosVersion: '1.16.2-debian-1.16.2-1',
  });
});

test('agent: an empty root gives a report with nothing in it, not an error', async (t) => {
  const a = await agent(t);
  if (a === undefined) return;
  assert.deepEqual(await a.facts(await tempDir(t, 'bramble-agent-empty-')), { disks: [], nics: [] });
});

// Every byte from 0x01 to 0x7f, then UTF-8 (é, €) and a byte that is not UTF-8 at all.
const allBytes = Buffer.from([0x78, ...Array.from({ length: 127 }, (_, i) => i + 1), 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xff, 0x79]);

test('agent: odd names and values are escaped, unreadable and odd entries skipped, the token redacted', async (t) => {
  const a = await agent(t);
  if (a === undefined) return;
  const root = await tempDir(t, 'bramble-agent-odd-');
  const oddDisk = 'odd "disk\\ é';
  const oddNic = 'q"b\\é';
  await writeTree(root, {
    'proc/cmdline': Buffer.concat([allBytes, Buffer.from(` bramble.token=${token} next\n`)]),
    'proc/sys/kernel/hostname': 'host "quoted" \\ back\n',
    'sys/class/dmi/id/sys_vendor': 'Vendor\twith tab   \n',
    'sys/class/dmi/id/product_name': 'Système "X" \\1 \u0001\n',
    'sys/class/dmi/id/product_serial': {}, // a folder: reading fails as for root-only files
    'sys/class/dmi/id/board_name': '\n',
    'sys/class/dmi/id/bios_version': '   \n',
    [`sys/block/${oddDisk}/size`]: '0010\n', // decimal 10, not octal 8
    [`sys/block/${oddDisk}/device/model`]: 'Model "Q" \\ ',
    'sys/block/mmcblk1/size': '15269888\n',
    'sys/block/mmcblk1/removable': 'yes\n',
    'sys/block/mmcblk1boot0/size': '8192\n',
    'sys/block/mmcblk1rpmb/size': '8192\n',
    'sys/block/nbd0/size': '0\n',
    'sys/block/md0/size': '100\n',
    'sys/block/no-size': {},
    [`sys/class/net/${oddNic}/address`]: '02:00:00:00:00:01\n',
    [`sys/class/net/${oddNic}/speed`]: '2500\n',
    [`sys/class/net/${oddNic}/device/driver`]: { link: '../../../bus/pci/drivers/r8169' },
    'sys/class/net/.hidden/address': '02:00:00:00:00:02\n',
    'sys/class/net/.hidden/speed': {}, // unreadable
    'sys/class/net/.hidden/device/driver': {}, // a copied tree where the link became a folder, and no uevent
    'sys/class/net/ib0/address': '80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0a:bb:cc\n',
    'sys/class/net/ib0/speed': '-1\n',
    'sys/class/net/tun0/address': '\n',
    'sys/class/net/bonding_masters': '\n',
  });
  const facts = await a.facts(root, { BRAMBLE_TOKEN: token });
  assert.deepEqual(facts, {
    hostname: 'host "quoted" \\ back',
    cmdline: `${allBytes.toString('utf8')} bramble.token=[redacted] next`,
    disks: [
      { name: 'mmcblk1', sizeBytes: 15269888 * 512 },
      { name: oddDisk, sizeBytes: 10 * 512, model: 'Model "Q" \\' },
    ],
    nics: [
      { name: 'ib0' },
      { name: oddNic, mac: '02:00:00:00:00:01', speedMbps: 2500, driver: 'r8169' },
      { name: 'tun0' },
      { name: '.hidden', mac: '02:00:00:00:00:02' },
    ],
    manufacturer: 'Vendor\twith tab',
    product: 'Système "X" \\1 \u0001',
  });
});

const cpuVariants: readonly { name: string; tree: Readonly<Record<string, Node>>; expect: Partial<AgentFacts> }[] = [
  {
    name: 'a Pi 4 on a Debian arm64 kernel: no Serial or Model in cpuinfo, the device tree has both',
    tree: {
      'proc/cpuinfo': 'processor\t: 0\nCPU implementer\t: 0x41\nCPU part\t: 0xd08\n\nprocessor\t: 1\nCPU implementer\t: 0x41\nCPU part\t: 0xd08\n',
      'proc/device-tree/model': 'Raspberry Pi 4 Model B Rev 1.5\0',
      'proc/device-tree/serial-number': '100000001234abcd\0',
    },
    expect: { cpu: { model: 'ARM Cortex-A72', implementer: '0x41', part: '0xd08', cores: 2, threads: 2 }, deviceModel: 'Raspberry Pi 4 Model B Rev 1.5', piSerial: '100000001234abcd' },
  },
  {
    name: 'no device tree: the Model line, and Serial before serial-number',
    tree: {
      'proc/cpuinfo': 'processor\t: 0\nCPU implementer\t: 0x41\nCPU part\t: 0xd0b\n\nHardware\t: BCM2835\nSerial\t\t: 7f00a1b2c3d4e5f6\nModel\t\t: Raspberry Pi 5 Model B Rev 1.0\n',
      'proc/device-tree/serial-number': 'ignored\0',
    },
    expect: { cpu: { model: 'ARM Cortex-A76', implementer: '0x41', part: '0xd0b', cores: 1, threads: 1 }, deviceModel: 'Raspberry Pi 5 Model B Rev 1.0', piSerial: '7f00a1b2c3d4e5f6' },
  },
  {
    name: 'an old Pi 1 kernel: only Hardware, and Processor instead of model name',
    tree: {
      'proc/cpuinfo': 'Processor\t: ARMv6-compatible processor rev 7 (v6l)\nprocessor\t: 0\nCPU implementer\t: 0x41\nCPU part\t: 0xb76\n\nHardware\t: BCM2708\nSerial\t\t: 00000000abcdef01\n',
    },
    expect: { cpu: { model: 'ARM1176JZF-S', implementer: '0x41', part: '0xb76', cores: 1, threads: 1 }, deviceModel: 'BCM2708', piSerial: '00000000abcdef01' },
  },
  {
    name: 'a Pi 2 on a 32-bit kernel: the part names the core better than model name does',
    tree: { 'proc/cpuinfo': 'processor\t: 0\nmodel name\t: ARMv7 Processor rev 5 (v7l)\nCPU implementer\t: 0x41\nCPU part\t: 0xc07\n' },
    expect: { cpu: { model: 'ARM Cortex-A7', implementer: '0x41', part: '0xc07', cores: 1, threads: 1 } },
  },
  {
    name: 'a core the table does not know keeps its raw part number',
    tree: { 'proc/cpuinfo': 'processor\t: 0\nCPU implementer\t: 0x51\nCPU part\t: 0x805\n\nprocessor\t: 1\nCPU implementer\t: 0x51\nCPU part\t: 0x805\n' },
    expect: { cpu: { implementer: '0x51', part: '0x805', cores: 2, threads: 2 } },
  },
  {
    name: 'two sockets with hyperthreads: cores are counted per physical id',
    tree: {
      'proc/cpuinfo': [0, 1, 2, 3, 4, 5, 6, 7]
        .map((p) => `processor\t: ${p}\nmodel name\t: Intel(R) Xeon(R) CPU E5-2620 v4 @ 2.10GHz\nphysical id\t: ${p % 2}\ncore id\t\t: ${Math.floor(p / 4)}\n`)
        .join('\n'),
    },
    expect: { cpu: { model: 'Intel(R) Xeon(R) CPU E5-2620 v4 @ 2.10GHz', cores: 4, threads: 8 } },
  },
];

for (const c of cpuVariants) {
  test(`agent: ${c.name}`, async (t) => {
    const a = await agent(t);
    if (a === undefined) return;
    const root = await tempDir(t, 'bramble-agent-cpu-');
    await writeTree(root, c.tree);
    assert.deepEqual(await a.facts(root), { disks: [], nics: [], ...c.expect });
  });
}

test("agent: this machine's own /proc and /sys give plausible facts", async (t) => {
  const a = await agent(t);
  if (a === undefined) return;
  const facts = await a.facts('');
  assert.equal(facts.memoryBytes, totalmem());
  const cores = facts.cpu?.cores;
  assert.equal(facts.cpu?.threads, cpus().length);
  assert.ok(cores !== undefined && cores >= 1 && cores <= cpus().length, `${cores} cores`);
  assert.equal(facts.kernel, release());
  assert.equal(facts.hostname, hostname());
  assert.equal(facts.cmdline, (await readFile('/proc/cmdline', 'utf8')).trim());
  const blocks = await readdir('/sys/block');
  for (const disk of facts.disks) {
    assert.ok(blocks.includes(disk.name), `${disk.name} is in /sys/block`);
    assert.doesNotMatch(disk.name, /^(loop|ram|zram|dm-)/);
    assert.equal(disk.sizeBytes, Number(await readFile(`/sys/block/${disk.name}/size`, 'utf8')) * 512);
  }
  assert.equal(facts.nics.some((n) => n.name === 'lo'), false);
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    if (name === 'lo') continue;
    const mac = addresses?.[0]?.mac;
    const nic = facts.nics.find((n) => n.name === name);
    assert.ok(nic !== undefined, `${name} is reported`);
    if (mac !== undefined && mac !== '00:00:00:00:00:00') assert.equal(nic.mac, mac);
  }
});

interface Received {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  readonly body: string;
}

/** A node:http server on 127.0.0.1 that answers every request with `status` and keeps what it received. */
async function receiver(t: TestContext, status: number): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method,
        url: req.url,
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? '' : 'no\n');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/agent/facts`, received };
}

function assertNoToken(result: CommandStatus): void {
  assert.equal(result.stdout.includes(token), false, 'token in stdout');
  assert.equal(result.stderr.includes(token), false, 'token in stderr');
}

test('agent: posts the facts with the bearer token, from arguments or from the environment', async (t) => {
  const a = await agent(t);
  if (a === undefined) return;
  const root = join(fixtures, 'x86-pc');
  const server = await receiver(t, 204);
  const printed = await a.run(['--print'], { BRAMBLE_AGENT_ROOT: root });
  const byArgs = await a.run([server.url, token], { BRAMBLE_AGENT_ROOT: root });
  const byEnv = await a.run([], { BRAMBLE_AGENT_ROOT: root, BRAMBLE_URL: server.url, BRAMBLE_TOKEN: token });
  for (const result of [byArgs, byEnv]) {
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `bramble-agent: facts posted to ${server.url}\n`);
    assertNoToken(result);
  }
  assert.equal(server.received.length, 2);
  for (const r of server.received) {
    assert.equal(r.method, 'POST');
    assert.equal(r.url, '/api/agent/facts');
    assert.equal(r.authorization, `Bearer ${token}`);
    assert.equal(r.contentType, 'application/json');
    assert.equal(r.body.trim(), printed.stdout.trim());
    assert.equal(checkAgentFacts(JSON.parse(r.body)).ok, true);
  }
});

test('agent: a refusal from the server is one line on stderr and exit status 1', async (t) => {
  const a = await agent(t);
  if (a === undefined) return;
  const server = await receiver(t, 401);
  const result = await a.run([server.url, token], { BRAMBLE_AGENT_ROOT: join(fixtures, 'qemu-vm') });
  assert.equal(result.code, 1);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /^bramble-agent: posting to http:\/\/127\.0\.0\.1:\d+\/api\/agent\/facts failed: .*401.*\n$/);
  assertNoToken(result);
  assert.equal(server.received.length, 1);
});

test('agent: a server that is not there is one line on stderr and exit status 1', async (t) => {
  const a = await agent(t);
  if (a === undefined) return;
  // A port that was just free: bound, then closed before the agent runs.
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as AddressInfo).port;
  probe.close();
  await once(probe, 'close');
  const result = await a.run([`http://127.0.0.1:${port}/`, token], { BRAMBLE_AGENT_ROOT: join(fixtures, 'qemu-vm') });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^bramble-agent: posting to http:\/\/127\.0\.0\.1:\d+\/ failed: .*refused\n$/i);
  assertNoToken(result);
});

test('agent: a server that never answers is given up after BRAMBLE_AGENT_TIMEOUT seconds', async (t) => {
  const a = await agent(t);
  if (a === undefined) return;
  const silent = createServer(() => {
    // Never answers: the agent must stop waiting by itself.
  });
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  t.after(() => {
    silent.closeAllConnections();
    silent.close();
  });
  const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
  const result = await a.run([url, token], { BRAMBLE_AGENT_ROOT: join(fixtures, 'qemu-vm'), BRAMBLE_AGENT_TIMEOUT: '1' });
  assert.equal(result.code, 1);
  assert.equal(result.stderr, `bramble-agent: posting to ${url} failed: no answer within 1 s\n`);
  assertNoToken(result);
});

const usageErrors: readonly { name: string; args: readonly string[]; env?: Readonly<Record<string, string>>; error: RegExp }[] = [
  { name: 'no URL', args: [], error: /no URL given/ },
  { name: 'no token', args: ['http://127.0.0.1:1/'], error: /no token given/ },
  { name: 'a URL that is not http', args: ['ftp://127.0.0.1/', token], error: /must start with http/ },
  { name: 'a token with a space', args: ['http://127.0.0.1:1/', `${token} x`], error: /characters a bearer token cannot have/ },
  { name: 'a token with a line break', args: ['http://127.0.0.1:1/'], env: { BRAMBLE_TOKEN: `${token}\r\nX-Evil: 1` }, error: /characters a bearer token cannot have/ },
  { name: 'a timeout that is not a number', args: ['http://127.0.0.1:1/', token], env: { BRAMBLE_AGENT_TIMEOUT: '1m' }, error: /BRAMBLE_AGENT_TIMEOUT must be a number/ },
  { name: 'a third argument', args: ['http://127.0.0.1:1/', token, 'extra'], error: /usage:/ },
];

for (const c of usageErrors) {
  test(`agent: ${c.name} is a usage error (exit status 2), without the token in it`, async (t) => {
    const a = await agent(t);
    if (a === undefined) return;
    const result = await a.run(c.args, { BRAMBLE_AGENT_ROOT: join(fixtures, 'qemu-vm'), ...c.env });
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, c.error);
    assert.match(result.stderr, /^[^\n]+\n$/, 'one line');
    assertNoToken(result);
  });
}
