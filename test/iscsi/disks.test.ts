// Bramble's iSCSI disks (src/iscsi/disks.ts) as the target and the boot wiring see them: each disk's CHAP both
// ways (RFC 7143 §12.1.3: the target's own name and a secret of its own), filled in for disks stored before
// mutual CHAP, and the kernel arguments an iSCSI root boots with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIscsiDisks, iscsiRootArgs, targetChap } from '../../src/iscsi/disks.js';
import { openStore } from '../../src/store/store.js';
import { silentLogger } from '../../src/log/logger.js';

async function disksIn(t: { after: (fn: () => Promise<void>) => void }) {
  const dir = await mkdtemp(join(tmpdir(), 'bramble-disks-'));
  const imagesDir = join(dir, 'iscsi', 'images');
  await mkdir(imagesDir, { recursive: true });
  await writeFile(join(imagesDir, 'base.img'), Buffer.alloc(1024 * 1024));
  const store = await openStore(dir, silentLogger());
  const disks = createIscsiDisks({ store, dataDir: dir, imagesDir, log: silentLogger(), endSessions: () => {} });
  t.after(async () => {
    for (const d of disks.list()) await disks.remove(d.id).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });
  return { dir, store, disks };
}

test('a new disk has CHAP both ways: the target answers a mutual challenge with its own name and secret', async (t) => {
  const { disks } = await disksIn(t);
  await disks.open();
  const made = await disks.add({ image: 'base', label: 'node1', allow: '198.18.0.2' });
  assert.equal(made.targetUser, 'node1.target');
  assert.ok(made.targetSecret !== undefined && made.targetSecret.length >= 16);
  assert.notEqual(made.targetSecret, made.chapSecret);
  const found = disks.find(made.iqn, 'iqn.2026-11.org.example:node1', '198.18.0.2');
  assert.ok(found.ok);
  assert.deepEqual(found.chap, { initiator: { user: 'node1', secret: made.chapSecret }, target: { user: 'node1.target', secret: made.targetSecret } });
  assert.deepEqual(disks.find(made.iqn, 'iqn.2026-11.org.example:node1', '198.18.0.3'), { ok: false, reason: 'NOT_ALLOWED' });
});

test('a disk stored before mutual CHAP gets the target side on start, kept across restarts', async (t) => {
  const { dir, store, disks } = await disksIn(t);
  await store.update((d) => {
    d.iscsiDisks.push({
      id: 5, iqn: 'iqn.2026-11.org.bramble:old', image: 'base', allow: '198.18.0.2',
      chapUser: 'old', chapSecret: 'the-initiator-secret', sizeBytes: 1024 * 1024, createdAt: '2026-11-27T00:00:00Z',
    });
  });
  await mkdir(join(dir, 'iscsi', 'disks', '5'), { recursive: true });
  await disks.open();
  const filled = store.read().iscsiDisks.find((d) => d.id === 5)!;
  assert.equal(filled.targetUser, 'old.target');
  assert.ok(filled.targetSecret !== undefined && filled.targetSecret !== 'the-initiator-secret');
  assert.equal(filled.chapSecret, 'the-initiator-secret', 'the initiator side unchanged');
  const again = createIscsiDisks({ store, dataDir: dir, imagesDir: join(dir, 'iscsi', 'images'), log: silentLogger(), endSessions: () => {} });
  await again.open();
  assert.equal(store.read().iscsiDisks.find((d) => d.id === 5)!.targetSecret, filled.targetSecret, 'not made anew on the next start');
});

test('the target secret is never the initiator one: a draw equal to it is drawn again', () => {
  const draws = ['same-as-initiator', 'same-as-initiator', 'a-fresh-secret-1'];
  const { targetUser, targetSecret } = targetChap('x', 'same-as-initiator', () => draws.shift()!);
  assert.equal(targetSecret, 'a-fresh-secret-1');
  assert.equal(draws.length, 0, 'both equal draws were thrown away');
  assert.equal(targetUser, 'x.target');
  assert.match(targetChap('x', 'same-as-initiator').targetSecret, /^[A-Za-z0-9_-]{16}$/, 'by default, 16 characters of 12 random bytes');
});

const san = { server: '198.18.0.1', port: 3260, iqn: 'iqn.2026-11.org.bramble:m.k3s', initiatorIqn: 'iqn.2026-11.org.bramble.initiator:m', chapUser: 'm.k3s', chapSecret: 'S3cret-initiator' };
const cases = [
  {
    name: 'one-way CHAP',
    san,
    expect: [
      'ip=dhcp', 'iscsi_initiator=iqn.2026-11.org.bramble.initiator:m', 'iscsi_target_name=iqn.2026-11.org.bramble:m.k3s', 'iscsi_target_ip=198.18.0.1',
      'iscsi_target_port=3260', 'iscsi_username=m.k3s', 'iscsi_password=S3cret-initiator', 'rd.iscsi.initiator=iqn.2026-11.org.bramble.initiator:m',
      'netroot=iscsi:m.k3s:S3cret-initiator@198.18.0.1::3260:0:iqn.2026-11.org.bramble:m.k3s',
    ],
  },
  {
    name: 'mutual CHAP: Debian initramfs iscsi_in_*, dracut the second pair before @',
    san: { ...san, targetUser: 'm.k3s.target', targetSecret: 'S3cret-target' },
    expect: [
      'ip=dhcp', 'iscsi_initiator=iqn.2026-11.org.bramble.initiator:m', 'iscsi_target_name=iqn.2026-11.org.bramble:m.k3s', 'iscsi_target_ip=198.18.0.1',
      'iscsi_target_port=3260', 'iscsi_username=m.k3s', 'iscsi_password=S3cret-initiator', 'iscsi_in_username=m.k3s.target', 'iscsi_in_password=S3cret-target',
      'rd.iscsi.initiator=iqn.2026-11.org.bramble.initiator:m',
      'netroot=iscsi:m.k3s:S3cret-initiator:m.k3s.target:S3cret-target@198.18.0.1::3260:0:iqn.2026-11.org.bramble:m.k3s',
    ],
  },
];
for (const c of cases) {
  test(`iSCSI root kernel arguments: ${c.name}`, () => assert.deepEqual(iscsiRootArgs(c.san), c.expect));
}
