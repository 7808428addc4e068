// REST API v1 iSCSI disks without a serving server: disks are listed from the store with their CHAP secrets left
// out, changes are refused with 503 naming the flag, and the routes need a login like the rest of the API.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiHarness } from './api-harness.js';

test('iSCSI disks: listed without secrets from the store; add, reset, remove, images refused while no server serves iSCSI; login required', async (t) => {
  const h = await apiHarness(t, { trusted: true });
  await h.store.update((d) => {
    d.iscsiDisks.push({
      id: 7,
      iqn: 'iqn.2026-11.org.bramble:52-54-00-00-00-07.k3s',
      image: 'k3s',
      machine: '52:54:00:00:00:07',
      allow: '198.18.0.7',
      chapUser: '52-54-00-00-00-07.k3s',
      chapSecret: 'do-not-show-this',
      targetUser: '52-54-00-00-00-07.k3s.target',
      targetSecret: 'nor-this-target-secret',
      sizeBytes: 1 << 30,
      createdAt: '2026-11-27T00:00:00Z',
    });
  });
  const res = await h.call('GET', '/api/v1/iscsi/disks');
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.doesNotMatch(text, /do-not-show-this/);
  assert.doesNotMatch(text, /nor-this-target-secret/);
  const disks = JSON.parse(text) as Array<Record<string, unknown>>;
  assert.equal(disks.length, 1);
  assert.equal(disks[0]!.iqn, 'iqn.2026-11.org.bramble:52-54-00-00-00-07.k3s');
  assert.equal(disks[0]!.chapUser, '52-54-00-00-00-07.k3s');
  assert.equal(disks[0]!.online, false);
  assert.equal(disks[0]!.usedBytes, null);
  assert.ok(!('chapSecret' in disks[0]!));
  assert.ok(!('targetSecret' in disks[0]!));
  assert.equal(disks[0]!.targetUser, '52-54-00-00-00-07.k3s.target', "the target's CHAP name is shown, as the initiator's is");

  for (const [method, path, body] of [
    ['POST', '/api/v1/iscsi/disks', { image: 'k3s', label: 'x', allow: '198.18.0.9' }],
    ['POST', '/api/v1/iscsi/disks/7/reset', undefined],
    ['DELETE', '/api/v1/iscsi/disks/7', undefined],
    ['GET', '/api/v1/iscsi/images', undefined],
    ['POST', '/api/v1/iscsi/images', { name: 'k3s2', from: '/srv/root', sizeBytes: 1 << 30 }],
  ] as const) {
    const refused = await h.call(method, path, body === undefined ? {} : { body });
    assert.equal(refused.status, 503, `${method} ${path}`);
    const problem = (await refused.json()) as { error: { code: string; message: string } };
    assert.equal(problem.error.code, 'ISCSI_OFF');
    assert.match(problem.error.message, /--iscsi on/);
  }
  assert.equal(h.store.read().iscsiDisks.length, 1, 'nothing changed');

  const stranger = await apiHarness(t);
  assert.equal((await stranger.call('GET', '/api/v1/iscsi/disks')).status, 401);
});
