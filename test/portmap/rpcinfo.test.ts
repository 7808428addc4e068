// Real clients against Bramble's portmapper (RFC 1833): Debian's rpcinfo (package rpcbind) inside a test network
// namespace, where test/portmap/serve-portmap.ts holds 127.0.0.1:111 (rpcinfo -p only asks port 111). The
// namespace has its own port space, so no system rpcbind is running there or needed.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { PortMapping } from '../../src/portmap/portmap-table.js';
import { isListening } from '../support/listening.js';
import { startProcess } from '../support/managed-process.js';
import { createNetns, sweepStaleNetns } from '../support/netns.js';
import type { Netns } from '../support/netns.js';
import { requireRoot, requireTool } from '../support/require-tool.js';
import { runCommandStatus } from '../support/run-command.js';
import { Teardown } from '../support/teardown.js';
import { TEST_PROG } from '../rpc/test-program.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Lab {
  readonly ns: Netns;
  readonly table: PortMapping[];
  rpcinfo(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
}

async function openLab(t: TestContext, versions: readonly number[]): Promise<Lab | null> {
  if (!requireRoot(t) || !requireTool(t, 'rpcinfo', 'rpcbind') || !requireTool(t, 'ip', 'iproute2') || !requireTool(t, 'ss', 'iproute2')) {
    return null;
  }
  const teardown = new Teardown();
  t.after(() => teardown.run());
  await sweepStaleNetns();
  const ns = await createNetns();
  teardown.defer('delete the namespace', () => ns.destroy());
  assert.equal(await isListening(ns, 'tcp', 111), false, 'port 111 is free in a new namespace');
  const server = startProcess(
    ns.argv([process.execPath, '--import', 'tsx', join(REPO_ROOT, 'test/portmap/serve-portmap.ts'), JSON.stringify(versions)]),
    { label: 'portmapper fixture', cwd: REPO_ROOT },
  );
  teardown.defer('stop the portmapper', () => server.stop());
  const ready = await server.waitFor(/^READY (.*)$/, 30_000);
  const table = JSON.parse(ready[1]!) as PortMapping[];
  return {
    ns,
    table,
    rpcinfo: (...args) => runCommandStatus(ns.argv(['rpcinfo', ...args]), { timeoutMs: 30_000 }),
  };
}

const PROTO: Record<string, number> = { tcp: 6, udp: 17 };

/** `rpcinfo -p` rows ("program vers proto port [service]") as mappings. */
function parsePortmapList(stdout: string): PortMapping[] {
  return stdout
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length >= 4)
    .map(([prog, vers, proto, port]) => ({ prog: Number(prog), vers: Number(vers), prot: PROTO[proto!] as 6 | 17, port: Number(port) }));
}

const byKey = (list: readonly PortMapping[]): string[] => list.map((m) => `${m.prog}/${m.vers}/${m.prot}/${m.port}`).sort();

test('rpcinfo -p, -t, -u, -T and plain rpcinfo against the portmapper with versions 2, 3 and 4', { timeout: 120_000 }, async (t) => {
  const lab = await openLab(t, [2, 3, 4]);
  if (lab === null) return;

  const p = await lab.rpcinfo('-p', '127.0.0.1');
  assert.equal(p.code, 0, p.stderr);
  assert.deepEqual(byKey(parsePortmapList(p.stdout)), byKey(lab.table));
  assert.match(p.stdout, /100003\s+3\s+tcp\s+2049\s+nfs/);

  for (const args of [
    ['-t', '127.0.0.1', '100000', '2'],
    ['-u', '127.0.0.1', '100000', '2'],
    ['-T', 'tcp', '127.0.0.1', '100000', '4'],
    ['-T', 'udp', '127.0.0.1', '100000', '3'],
  ]) {
    const r = await lab.rpcinfo(...args);
    assert.equal(r.code, 0, `rpcinfo ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^program 100000 version ${args.at(-1)} ready and waiting$`, 'm'));
  }

  // Through the portmapper (GETADDR) to the test program's own server, then every version it answers.
  const viaLookup = await lab.rpcinfo('-t', '127.0.0.1', String(TEST_PROG));
  assert.equal(viaLookup.code, 0, viaLookup.stderr);
  assert.match(viaLookup.stdout, new RegExp(`program ${TEST_PROG} version 1 ready and waiting\\nprogram ${TEST_PROG} version 2 ready and waiting`));
  const udpLookup = await lab.rpcinfo('-u', '127.0.0.1', String(TEST_PROG), '2');
  assert.equal(udpLookup.code, 0, udpLookup.stderr);

  // rpcbind v4 DUMP, universal addresses and all.
  const dump = await lab.rpcinfo('127.0.0.1');
  assert.equal(dump.code, 0, dump.stderr);
  assert.match(dump.stdout, /100000\s+4\s+tcp\s+127\.0\.0\.1\.0\.111\s+portmapper\s+superuser/);
  assert.match(dump.stdout, /100003\s+3\s+tcp\s+127\.0\.0\.1\.8\.1\s+nfs/);
  const summary = await lab.rpcinfo('-s', '127.0.0.1');
  assert.match(summary.stdout, /100000\s+2,3,4\s+udp,tcp\s+portmapper/);

  // Version 9 is refused with the span served, as rpcbind does.
  const nine = await lab.rpcinfo('-T', 'tcp', '127.0.0.1', '100000', '9');
  assert.notEqual(nine.code, 0);
  assert.match(nine.stdout + nine.stderr, /low version = 2, high version = 4/);
});

test('a portmapper serving only v2: rpcinfo falls back from rpcbind v4/v3 to v2 GETPORT and DUMP', { timeout: 120_000 }, async (t) => {
  const lab = await openLab(t, [2]);
  if (lab === null) return;

  const p = await lab.rpcinfo('-p', '127.0.0.1');
  assert.equal(p.code, 0, p.stderr);
  assert.deepEqual(byKey(parsePortmapList(p.stdout)), byKey(lab.table));

  for (const args of [
    ['-t', '127.0.0.1', '100000', '2'],
    ['-u', '127.0.0.1', '100000', '2'],
    ['-t', '127.0.0.1', String(TEST_PROG), '1'],
    ['-T', 'tcp', '127.0.0.1', String(TEST_PROG), '2'],
    ['-u', '127.0.0.1', String(TEST_PROG), '1'],
  ]) {
    const r = await lab.rpcinfo(...args);
    assert.equal(r.code, 0, `rpcinfo ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /ready and waiting/);
  }
  const v4 = await lab.rpcinfo('-T', 'tcp', '127.0.0.1', '100000', '4');
  assert.notEqual(v4.code, 0);
  assert.match(v4.stdout + v4.stderr, /version 4 is not available|low version = 2, high version = 2/);
});
