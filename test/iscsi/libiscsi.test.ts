// Bramble's iSCSI target as real initiators see it: libiscsi-bin (iscsi-ls, iscsi-inq, iscsi-readcapacity16,
// iscsi-test-cu) against `bramble serve`, in network namespaces on 198.18.0.0/24: the machine a disk belongs to,
// and a stranger (RFC 7143 login and CHAP, SPC-4/SBC-3 commands).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { startProcess } from '../support/managed-process.js';
import type { Netns } from '../support/netns.js';
import { createTestLan, LAN_BRIDGE, LAN_SERVER_ADDRESS } from '../support/test-lan.js';
import { requireRoot, requireTool } from '../support/require-tool.js';

const run = promisify(execFile);
const cliPath = join(process.cwd(), 'bin', 'bramble.js');
const SERVER = LAN_SERVER_ADDRESS;
const MACHINE = '198.18.0.2';
const STRANGER = '198.18.0.3';
const IMAGE_BYTES = 16 * 1024 * 1024;
/** The families the issue names; `tgt` fails one of them. */
const CORE_TESTS = 'SCSI.TestUnitReady.*,SCSI.Inquiry.*,SCSI.ReadCapacity10.*,SCSI.ReadCapacity16.*,SCSI.Read10.*,SCSI.Read16.*,SCSI.Write10.*,SCSI.Write16.*,SCSI.ModeSense6.*,SCSI.Mandatory.*,iSCSI.*';

interface Lab {
  readonly data: string;
  readonly image: string;
  readonly machine: Netns;
  readonly stranger: Netns;
  cli(args: readonly string[]): Promise<string>;
  /** The disk's CHAP credentials, as its machine's boot script would get them: the initiator's, and the target's. */
  chap(iqn: string): Promise<{ user: string; secret: string; target: { user: string; secret: string } }>;
}

async function lab(t: TestContext): Promise<Lab | null> {
  if (!requireRoot(t)) return null;
  for (const tool of ['iscsi-ls', 'iscsi-inq', 'iscsi-readcapacity16', 'iscsi-test-cu']) if (!requireTool(t, tool, 'libiscsi-bin')) return null;
  const dir = await mkdtemp(join(tmpdir(), 'bramble-libiscsi-'));
  const lan = await createTestLan();
  t.after(async () => {
    await lan.destroy();
    await rm(dir, { recursive: true, force: true });
  });
  const machine = await lan.addHost(MACHINE);
  const stranger = await lan.addHost(STRANGER);
  const serverNs = lan.ns;
  const data = join(dir, 'data');
  const images = join(data, 'iscsi', 'images');
  await mkdir(images, { recursive: true });
  const image = join(images, 'base.img');
  // Every block says which it is, so reads can be checked against the golden image by content.
  const bytes = Buffer.alloc(IMAGE_BYTES);
  for (let b = 0; b < IMAGE_BYTES / 512; b++) bytes.write(`golden block ${b}`, b * 512, 'latin1');
  await writeFile(image, bytes);
  const server = startProcess(
    serverNs.argv([process.execPath, cliPath, 'serve', '--interface', LAN_BRIDGE, '--address', SERVER, '--data-dir', data, '--dhcp-mode', 'off',
      '--http-port', '8080', '--tftp-port', '6969', '--ipxe-dir', dir, '--nfs', 'off']),
    { label: 'bramble serve' },
  );
  t.after(() => server.stop().then(() => undefined));
  await server.waitFor(/"msg":"bramble is serving"/, 20_000);
  return {
    data,
    image,
    machine,
    stranger,
    async cli(args) {
      const { stdout } = await run('ip', ['netns', 'exec', serverNs.name, process.execPath, cliPath, ...args, '--data-dir', data]);
      return stdout;
    },
    async chap(iqn) {
      const store = JSON.parse(await readFile(join(data, 'bramble.json'), 'utf8')) as {
        iscsiDisks: Array<{ iqn: string; chapUser: string; chapSecret: string; targetUser: string; targetSecret: string }>;
      };
      const disk = store.iscsiDisks.find((d) => d.iqn === iqn);
      assert.ok(disk !== undefined, `${iqn} is in the store`);
      return { user: disk.chapUser, secret: disk.chapSecret, target: { user: disk.targetUser, secret: disk.targetSecret } };
    },
  };
}

async function client(ns: Netns, argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run('ip', ['netns', 'exec', ns.name, ...argv], { maxBuffer: 16 * 1024 * 1024, timeout: 120_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }),
  );
}

const sha = async (path: string): Promise<string> => createHash('sha256').update(await readFile(path)).digest('hex');
const url = (chap: { user: string; secret: string } | null, iqn?: string): string =>
  `iscsi://${chap === null ? '' : `${encodeURIComponent(chap.user)}%${encodeURIComponent(chap.secret)}@`}${SERVER}${iqn === undefined ? '' : `/${iqn}/0`}`;

test('libiscsi: discovery, INQUIRY, READ CAPACITY and the iscsi-test-cu core families on a machine\'s disk; CHAP and the address are enforced; golden unchanged; reset', { timeout: 240_000 }, async (t) => {
  const l = await lab(t);
  if (l === null) return;
  const goldenBefore = await sha(l.image);
  const added = await l.cli(['iscsi', 'add', 'base', '--name', 'node1', '--allow', MACHINE]);
  const iqn = 'iqn.2026-11.org.bramble:node1';
  assert.match(added, new RegExp(`${iqn.replace(/\./g, '\\.')}: a copy-on-write disk over base, offered to ${MACHINE.replace(/\./g, '\\.')}`));
  const chap = await l.chap(iqn);
  assert.ok(chap.secret.length >= 16);

  // Discovery lists the disk to its machine only.
  const listed = await client(l.machine, ['iscsi-ls', url(null)]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, new RegExp(`Target:${iqn.replace(/\./g, '\\.')} Portal:${SERVER.replace(/\./g, '\\.')}:3260,1`));
  const strangerListed = await client(l.stranger, ['iscsi-ls', url(null)]);
  assert.doesNotMatch(strangerListed.stdout, /Target:/);

  // INQUIRY and READ CAPACITY (16) with the disk's CHAP secret.
  const inq = await client(l.machine, ['iscsi-inq', url(chap, iqn)]);
  assert.equal(inq.code, 0, inq.stderr);
  assert.match(inq.stdout, /Vendor:BRAMBLE/);
  assert.match(inq.stdout, /Peripheral Device Type:DIRECT_ACCESS/);
  const capacity = await client(l.machine, ['iscsi-readcapacity16', url(chap, iqn)]);
  assert.equal(capacity.code, 0, capacity.stderr);
  assert.match(capacity.stdout, new RegExp(`RETURNED LOGICAL BLOCK ADDRESS:${IMAGE_BYTES / 512 - 1}\\b`));
  assert.match(capacity.stdout, /LBPME:1/);

  // A wrong secret, no secret, and the right secret from another address are all refused at login.
  for (const [who, ns, creds] of [
    ['wrong secret', l.machine, { user: chap.user, secret: 'not-the-secret-at-all' }],
    ['no CHAP', l.machine, null],
    ['another machine', l.stranger, chap],
  ] as const) {
    const refused = await client(ns, ['iscsi-inq', url(creds, iqn)]);
    assert.notEqual(refused.code, 0, `${who}: refused`);
    assert.doesNotMatch(refused.stdout, /Vendor:/, `${who}: no INQUIRY data`);
  }

  // Mutual CHAP (libiscsi's target_user/target_password): the initiator challenges the target in turn, and takes
  // only an answer made with the target's own secret.
  const mutual = (target: { user: string; secret: string }): string =>
    `${url(chap, iqn)}?target_user=${encodeURIComponent(target.user)}&target_password=${encodeURIComponent(target.secret)}`;
  const both = await client(l.machine, ['iscsi-inq', mutual(chap.target)]);
  assert.equal(both.code, 0, both.stderr);
  assert.match(both.stdout, /Vendor:BRAMBLE/);
  const impostor = await client(l.machine, ['iscsi-inq', mutual({ user: chap.target.user, secret: 'what-a-rogue-target-would-use' })]);
  assert.notEqual(impostor.code, 0, 'an answer made with another secret is refused by the initiator');
  assert.match(`${impostor.stdout}${impostor.stderr}`, /CHAP_R/);
  assert.doesNotMatch(impostor.stdout, /Vendor:/);

  // The core families of the conformance suite, every test passing (it writes: --dataloss).
  const cu = await client(l.machine, ['iscsi-test-cu', '--dataloss', `--test=${CORE_TESTS}`, url(chap, iqn)]);
  const summary = /tests\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/.exec(cu.stdout);
  assert.ok(summary !== null, `a run summary in:\n${cu.stdout.slice(-2000)}${cu.stderr}`);
  const [, total, ran, passed, failed] = summary.map(Number);
  assert.ok(total! >= 50, `${total} tests`);
  assert.equal(ran, total);
  assert.equal(failed, 0, cu.stdout.split('\n').filter((line) => /FAILED/.test(line)).join('\n'));
  assert.equal(passed, total);
  assert.equal(cu.code, 0);

  // The writes went to the machine's overlay: golden is byte-identical, and the overlay holds data.
  assert.equal(await sha(l.image), goldenBefore);
  const lsJson = JSON.parse(await l.cli(['iscsi', 'ls', '--json'])) as Array<{ iqn: string; usedBytes: number; chapSecret?: string }>;
  const disk = lsJson.find((d) => d.iqn === iqn)!;
  assert.ok(disk.usedBytes > 0, 'the overlay holds the test writes');
  assert.equal(disk.chapSecret, undefined, 'secrets are not listed');

  // Reset: the overlay is gone, the disk is golden again (and still served).
  assert.match(await l.cli(['iscsi', 'reset', 'node1']), /reset to golden/);
  const afterReset = JSON.parse(await l.cli(['iscsi', 'ls', '--json'])) as Array<{ iqn: string; usedBytes: number; online: boolean }>;
  const reset = afterReset.find((d) => d.iqn === iqn)!;
  assert.ok(reset.online);
  assert.ok(reset.usedBytes < 64 * 1024, `overlay after reset: ${reset.usedBytes} bytes`);
  const inqAgain = await client(l.machine, ['iscsi-inq', url(chap, iqn)]);
  assert.equal(inqAgain.code, 0, inqAgain.stderr);

  // A golden image made from a folder through the CLI joins the list, and a disk over it is served at its size.
  const folder = join(l.data, '..', 'rootfs');
  await mkdir(join(folder, 'etc'), { recursive: true });
  await writeFile(join(folder, 'etc', 'hostname'), 'k3s-golden\n');
  assert.match(await l.cli(['iscsi', 'image', 'k3s', '--from', folder, '--size', '32M']), /k3s\.img: ext4, label k3s/);
  assert.deepEqual((await l.cli(['iscsi', 'images'])).trim().split('\n'), ['base', 'k3s']);
  await l.cli(['iscsi', 'add', 'k3s', '--name', 'node2', '--allow', MACHINE]);
  const node2 = 'iqn.2026-11.org.bramble:node2';
  const size = await client(l.machine, ['iscsi-readcapacity16', url(await l.chap(node2), node2)]);
  assert.match(size.stdout, new RegExp(`RETURNED LOGICAL BLOCK ADDRESS:${(32 * 1024 * 1024) / 512 - 1}\\b`));

  // Raw disks: an empty one of a given size and a copy of an image, every block their own (not thin); the core
  // families pass on them too; there is no golden image to reset one to.
  assert.match(await l.cli(['iscsi', 'add', '--raw', '--size', '16M', '--name', 'scratch', '--allow', MACHINE]), /iqn\.2026-11\.org\.bramble:scratch: a raw disk of 16\.0 MiB/);
  assert.match(await l.cli(['iscsi', 'add', '--raw', 'base', '--name', 'copy', '--allow', MACHINE]), /a raw disk of 16\.0 MiB, a copy of base/);
  for (const [label, lastLba] of [['scratch', (16 * 1024 * 1024) / 512 - 1], ['copy', IMAGE_BYTES / 512 - 1]] as const) {
    const iqnRaw = `iqn.2026-11.org.bramble:${label}`;
    const raw = await client(l.machine, ['iscsi-readcapacity16', url(await l.chap(iqnRaw), iqnRaw)]);
    assert.match(raw.stdout, new RegExp(`RETURNED LOGICAL BLOCK ADDRESS:${lastLba}\\b`), raw.stderr);
    assert.match(raw.stdout, /LBPME:0/);
  }
  const rawCu = await client(l.machine, ['iscsi-test-cu', '--dataloss', `--test=${CORE_TESTS}`, url(await l.chap('iqn.2026-11.org.bramble:scratch'), 'iqn.2026-11.org.bramble:scratch')]);
  const rawSummary = /tests\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/.exec(rawCu.stdout);
  assert.ok(rawSummary !== null && Number(rawSummary[4]) === 0 && Number(rawSummary[3]) === Number(rawSummary[1]), rawCu.stdout.split('\n').filter((line) => /FAILED|tests /.test(line)).join('\n'));
  await assert.rejects(l.cli(['iscsi', 'reset', 'scratch']), /raw disk: there is no golden image to go back to/);
  assert.equal(await sha(l.image), goldenBefore, 'copying the image for a raw disk left it as it was');
});
