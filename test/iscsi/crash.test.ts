// `bramble serve` killed with SIGKILL in the middle of FUA writes to a machine's copy-on-write disk: after a
// restart the disk reads back every write that was acknowledged (SBC-3 FUA: on stable storage before GOOD), and
// the rest of the disk is still the golden image's (the chunk map never names data that is not there).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startProcess, type ManagedProcess } from '../support/managed-process.js';
import { bramble, cliPath, freePort, requireBuild } from '../cli/support/bramble-process.js';
import { cdb, RawInitiator } from './raw-initiator.js';

const BLOCKS = 16 * 2048; // 16 MiB of 512-byte blocks
const INITIATOR = 'iqn.2026-11.org.bramble.test:crash';
const IQN = 'iqn.2026-11.org.bramble:crash';

/** Golden block n says so; a write of step i fills its block with "write i". */
const goldenBlock = (n: number): Buffer => Buffer.alloc(512, `golden ${n} `);
const writeBlock = (i: number): Buffer => Buffer.alloc(512, `write ${i} `);

test('SIGKILL during FUA writes: every acknowledged write reads back after a restart, everything else is golden', { timeout: 120_000 }, async (t) => {
  await requireBuild();
  const dir = await mkdtemp(join(tmpdir(), 'bramble-iscsi-crash-'));
  const data = join(dir, 'data');
  await mkdir(join(data, 'iscsi', 'images'), { recursive: true });
  await writeFile(join(data, 'iscsi', 'images', 'base.img'), Buffer.concat(Array.from({ length: BLOCKS }, (_, n) => goldenBlock(n))));
  const [http, tftp] = [await freePort(), await freePort()];
  const servers: ManagedProcess[] = [];
  const initiators: RawInitiator[] = [];
  t.after(async () => {
    for (const ini of initiators) ini.close();
    for (const server of servers) await server.stop();
    await rm(dir, { recursive: true, force: true });
  });
  /** Starts the server; the iSCSI port is whatever the kernel gave (--iscsi-port 0), read from its start line. */
  const serve = async (): Promise<number> => {
    const server = startProcess(
      [process.execPath, cliPath, 'serve', '--nfs', 'off', '--iscsi-port', '0', '--interface', 'lo', '--address', '127.0.0.1', '--data-dir', data,
        '--dhcp-mode', 'off', '--http-port', String(http), '--tftp-port', String(tftp), '--ipxe-dir', dir],
      { label: 'bramble serve' },
    );
    servers.push(server);
    const line = (await server.waitFor(/"msg":"bramble is serving".*/, 20_000))[0];
    const port = Number(/"iscsi":(\d+)/.exec(line)?.[1]);
    assert.ok(port > 0, `the start line names the iSCSI port: ${line}`);
    return port;
  };
  const login = async (port: number): Promise<RawInitiator> => {
    const store = JSON.parse(await readFile(join(data, 'bramble.json'), 'utf8')) as { iscsiDisks: Array<{ iqn: string; chapUser: string; chapSecret: string }> };
    const disk = store.iscsiDisks.find((d) => d.iqn === IQN)!;
    const ini = await RawInitiator.connect(port);
    initiators.push(ini);
    const result = await ini.login({ initiatorName: INITIATOR, targetName: IQN, chap: { user: disk.chapUser, secret: disk.chapSecret } });
    assert.ok(result.ok, `login refused: ${result.statusClass}/${result.statusDetail}`);
    return ini;
  };

  let port = await serve();
  const added = await bramble(['iscsi', 'add', 'base', '--name', 'crash', '--allow', '127.0.0.1', '--data-dir', data]);
  assert.equal(added.code, 0, added.stderr);
  let ini = await login(port);

  // FUA writes one after another, each to a block that steps through the disk (chunks copy up as they go),
  // until the server is killed: no close, no flush, no goodbye.
  const acked = new Map<number, number>();
  const lbaOf = (i: number): number => (i * 613) % BLOCKS;
  let killed = false;
  const killer = setTimeout(() => {
    killed = true;
    process.kill(servers[0]!.pid, 'SIGKILL');
  }, 1500);
  for (let i = 0; !killed; i++) {
    const fua = cdb.write10(lbaOf(i), 1);
    fua[1]! |= 0x08;
    const result = await ini.scsi(fua, { write: writeBlock(i) }).catch(() => null);
    if (result === null || result.status !== 0) break;
    acked.set(lbaOf(i), i);
  }
  clearTimeout(killer);
  const status = await servers[0]!.waitForExit(10_000);
  assert.equal(status.signal, 'SIGKILL', 'the server died of the SIGKILL, not of anything else');
  assert.ok(acked.size >= 20, `only ${acked.size} writes acknowledged before the kill`);
  t.diagnostic(`${acked.size} FUA writes acknowledged before SIGKILL`);

  port = await serve();
  ini = await login(port);
  for (const [lba, i] of acked) {
    const read = await ini.scsi(cdb.read10(lba, 1), { read: 512 });
    assert.equal(read.status, 0);
    assert.deepEqual(read.data, writeBlock(i), `block ${lba}: write ${i} was acknowledged`);
  }
  // Blocks no write went to read as golden, neighbours of written ones in the same chunks included. (The one
  // write in flight at the kill, at lbaOf(acked.size), may or may not have landed.)
  const touched = new Set(Array.from({ length: acked.size + 1 }, (_, i) => lbaOf(i)));
  let checked = 0;
  for (const lba of [0, 1, 2, 127, 128, 612, 614, 5000, BLOCKS - 1]) {
    if (touched.has(lba)) continue;
    const read = await ini.scsi(cdb.read10(lba, 1), { read: 512 });
    assert.deepEqual(read.data, goldenBlock(lba), `block ${lba} is golden`);
    checked++;
  }
  assert.ok(checked >= 6, `${checked} untouched blocks checked`);
});
