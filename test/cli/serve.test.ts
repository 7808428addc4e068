// `bramble serve` as a user runs it (the built CLI in its own process) on loopback with DHCP off: HTTP boot
// script, TFTP, CLI commands reaching the live server, a refused second server, and a clean stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { access, mkdir, mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess } from '../support/managed-process.js';
import { requireTool } from '../support/require-tool.js';
import { bramble, cliPath, freePort, requireBuild } from './support/bramble-process.js';

const run = promisify(execFile);

test('serve on loopback: boot script, TFTP, live CLI, one server per data folder, clean stop', async (t) => {
  await requireBuild();
  const dir = await mkdtemp(join(tmpdir(), 'bramble-serve-'));
  const data = join(dir, 'data');
  const ipxe = join(dir, 'ipxe');
  await mkdir(join(data, 'tftp'), { recursive: true });
  await mkdir(ipxe);
  await writeFile(join(ipxe, 'undionly.kpxe'), Buffer.alloc(70_000, 7));
  await writeFile(join(data, 'tftp', 'hello.txt'), 'hello from tftp\n');
  const kernel = join(dir, 'vmlinuz');
  await writeFile(kernel, Buffer.alloc(1234, 1));
  const [httpPort, tftpPort] = [await freePort(), await freePort()];
  const serveArgs = (dataDir: string, http: number, tftp: number) => ['serve', '--nfs', 'off', '--iscsi', 'off', '--interface', 'lo', '--address', '127.0.0.1',
    '--data-dir', dataDir, '--dhcp-mode', 'off', '--http-port', String(http), '--tftp-port', String(tftp), '--ipxe-dir', ipxe];
  const server = startProcess([process.execPath, cliPath, ...serveArgs(data, httpPort, tftpPort)], { label: 'bramble serve' });
  t.after(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });
  await server.waitFor(/bramble is serving/, 20_000);
  const base = `http://127.0.0.1:${httpPort}`;

  assert.deepEqual(await (await fetch(`${base}/healthz`)).json(), { ok: true });

  // A profile added while the server runs is live at once, through the control socket.
  let r = await bramble(['profile', 'add', 'tiny', '--kernel', kernel, '--cmdline', 'quiet', '--data-dir', data]);
  assert.equal(r.code, 0, r.stderr);
  const menu = await (await fetch(`${base}/boot.ipxe?mac=52:54:00:00:00:01&platform=pcbios`)).text();
  assert.match(menu, /item p0 tiny/);
  r = await bramble(['machine', 'set', '52:54:00:00:00:01', '--boot-once', 'tiny', '--data-dir', data]);
  assert.equal(r.code, 0, r.stderr);
  const script = await (await fetch(`${base}/boot.ipxe?mac=52:54:00:00:00:01&platform=pcbios`)).text();
  assert.match(script, new RegExp(`kernel ${base.replace(/[.]/g, '\\.')}/files/profile/tiny/kernel/vmlinuz\\?mac=52:54:00:00:00:01 quiet`));
  const k = await fetch(`${base}/files/profile/tiny/kernel/vmlinuz?mac=52:54:00:00:00:01`);
  assert.equal((await k.arrayBuffer()).byteLength, 1234);

  // TFTP from both roots: the data folder's tftp/ and the iPXE folder.
  if (requireTool(t, 'curl', 'curl')) {
    const out = join(dir, 'fetched');
    await run('curl', ['-s', '-o', out, `tftp://127.0.0.1:${tftpPort}/hello.txt`]);
    assert.equal(await readFile(out, 'utf8'), 'hello from tftp\n');
    await run('curl', ['-s', '-o', out, `tftp://127.0.0.1:${tftpPort}/undionly.kpxe`]);
    assert.deepEqual(await readFile(out), Buffer.alloc(70_000, 7));
  }

  r = await bramble(['machine', 'ls', '--json', '--data-dir', data]);
  const machines = JSON.parse(r.stdout) as { mac: string; bootOnce?: string; events: { stage: string }[] }[];
  const m = machines.find((x) => x.mac === '52:54:00:00:00:01');
  assert.ok(m);
  assert.equal(m.bootOnce, undefined, 'boot once reverted after its script was served');
  assert.deepEqual([...new Set(m.events.map((e) => e.stage))], ['script', 'kernel']);

  // A second server on the same data folder is refused, and the first keeps serving.
  const second = await bramble(serveArgs(data, await freePort(), await freePort()));
  assert.equal(second.code, 1);
  assert.match(second.stderr, /already running/);
  assert.equal((await fetch(`${base}/healthz`)).status, 200);

  // A taken port stops startup with a message naming it.
  const taken = await bramble(serveArgs(join(dir, 'other'), httpPort, await freePort()));
  assert.equal(taken.code, 1);
  assert.match(taken.stderr, new RegExp(`127\\.0\\.0\\.1:${httpPort}.*EADDRINUSE`));

  const exit = await server.stop(10_000);
  assert.equal(exit.code, 0, server.tail(20));
  await assert.rejects(access(join(data, 'bramble.sock')), 'control socket removed on stop');
});
