// REST API v1 machines: add by hand, change, tag, delete; validation errors name the field; power secrets masked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SECRET_MASK } from '../../src/api/machine-view.js';
import { apiHarness } from './api-harness.js';

type Problem = { error: { code: string; field?: string } };

test('a machine known only by its MAC is added by hand, renamed, tagged, filtered by tag and deleted', async (t) => {
  const h = await apiHarness(t, { trusted: true });
  const added = await h.call('POST', '/api/v1/machines', { body: { mac: 'DC-A6-32-01-02-03', name: 'pi-1', tags: ['k3s', 'rack-2'] } });
  assert.equal(added.status, 201);
  const machine = (await added.json()) as { mac: string; name: string; tags: string[]; events: unknown[] };
  assert.equal(machine.mac, 'dc:a6:32:01:02:03');
  assert.deepEqual(machine.tags, ['k3s', 'rack-2']);
  assert.equal((await h.call('POST', '/api/v1/machines', { body: { mac: 'dc:a6:32:01:02:03' } })).status, 409);
  const renamed = await h.call('PATCH', '/api/v1/machines/dc:a6:32:01:02:03', { body: { name: 'pi-one', tags: ['k3s'] } });
  assert.equal(((await renamed.json()) as { name: string }).name, 'pi-one');
  await h.call('POST', '/api/v1/machines', { body: { mac: '52:54:00:00:00:09' } });
  const k3s = (await (await h.call('GET', '/api/v1/machines?tag=k3s')).json()) as Array<{ mac: string }>;
  assert.deepEqual(k3s.map((m) => m.mac), ['dc:a6:32:01:02:03']);
  const cleared = await h.call('PATCH', '/api/v1/machines/dc:a6:32:01:02:03', { body: { tags: null } });
  assert.equal(((await cleared.json()) as { tags?: string[] }).tags, undefined);
  assert.equal((await h.call('DELETE', '/api/v1/machines/dc:a6:32:01:02:03')).status, 200);
  assert.equal((await h.call('GET', '/api/v1/machines/dc:a6:32:01:02:03')).status, 404);
});

const invalid: ReadonlyArray<[string, Record<string, unknown>, string]> = [
  ['bad MAC', { mac: 'nope' }, 'mac'],
  ['name with a newline', { mac: '52:54:00:00:00:01', name: 'a\nb' }, 'name'],
  ['tags not a list', { mac: '52:54:00:00:00:01', tags: 'k3s' }, 'tags'],
  ['a tag with a space', { mac: '52:54:00:00:00:01', tags: ['ok', 'not ok'] }, 'tags[1]'],
  ['unknown profile', { mac: '52:54:00:00:00:01', profile: 'nope' }, 'profile'],
  ['reserved address not IPv4', { mac: '52:54:00:00:00:01', reservedAddress: '300.1.1.1' }, 'reservedAddress'],
  ['unknown field', { mac: '52:54:00:00:00:01', colour: 'red' }, 'colour'],
  ['power without a known driver', { mac: '52:54:00:00:00:01', power: { driver: 'ipmi' } }, 'power.driver'],
  ['power setting of the wrong type', { mac: '52:54:00:00:00:01', power: { driver: 'manual', instructions: 42 } }, 'power.instructions'],
];
for (const [name, body, field] of invalid) {
  test(`validation: ${name} -> 400 naming ${field}`, async (t) => {
    const h = await apiHarness(t, { trusted: true });
    const res = await h.call('POST', '/api/v1/machines', { body });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as Problem).error.field, field);
    assert.equal(h.store.read().machines.length, 0);
  });
}

test('power secrets are shown masked and kept when the mask is sent back', async (t) => {
  const h = await apiHarness(t, { trusted: true });
  const { settingsParsers } = await import('../../src/power/drivers.js');
  if (settingsParsers.tasmota === undefined) {
    // Masking is driver-independent; the manual driver has no secrets, so check the view directly.
    const { machineView } = await import('../../src/api/machine-view.js');
    const shown = machineView({ mac: '52:54:00:00:00:01', firstSeen: '', lastSeen: '', power: { driver: 'x', password: 'hunter2', nested: { token: 't' } } });
    assert.deepEqual(shown.power, { driver: 'x', password: SECRET_MASK, nested: { token: SECRET_MASK } });
    return;
  }
  const power = { driver: 'tasmota', url: 'http://198.18.0.50', user: 'admin', password: 'hunter2' };
  const added = await h.call('POST', '/api/v1/machines', { body: { mac: '52:54:00:00:00:01', power } });
  assert.equal(added.status, 201, JSON.stringify(await added.clone().json()));
  const shown = (await added.json()) as { power: Record<string, unknown> };
  assert.equal(shown.power.password, SECRET_MASK);
  const patched = await h.call('PATCH', '/api/v1/machines/52:54:00:00:00:01', { body: { power: { ...shown.power, url: 'http://198.18.0.51' } } });
  assert.equal(patched.status, 200);
  const stored = h.store.read().machines[0]!.power as Record<string, unknown>;
  assert.equal(stored.password, 'hunter2');
  assert.equal(stored.url, 'http://198.18.0.51');
});

test('a machine never shows its agent token hash', async (t) => {
  const h = await apiHarness(t, { trusted: true });
  await h.store.update((d) => {
    d.machines.push({ mac: '52:54:00:00:00:01', firstSeen: 'a', lastSeen: 'b', agentTokenHash: 'f'.repeat(64) });
  });
  const body = JSON.stringify(await (await h.call('GET', '/api/v1/machines/52:54:00:00:00:01')).json());
  assert.ok(!body.includes('agentTokenHash') && !body.includes('ffff'));
});

test("a machine shows the NFS export of its diskless root once it has one", async (t) => {
  const h = await apiHarness(t, { trusted: true });
  await h.store.update((d) => {
    d.machines.push({ mac: '52:54:00:00:00:02', firstSeen: 'a', lastSeen: 'b' });
    d.machines.push({ mac: '52:54:00:00:00:03', firstSeen: 'a', lastSeen: 'b' });
    d.nfsExports.push({
      id: 12,
      path: '/bramble/debian/52-54-00-00-00-02',
      root: 'debian',
      kind: 'layer',
      machine: '52:54:00:00:00:02',
      allow: '198.18.0.2',
      rootSquash: false,
      generation: 1,
      createdAt: 'c',
    });
  });
  const own = (await (await h.call('GET', '/api/v1/machines/52:54:00:00:00:02')).json()) as { nfsExport?: string };
  assert.equal(own.nfsExport, '/bramble/debian/52-54-00-00-00-02');
  const other = (await (await h.call('GET', '/api/v1/machines/52:54:00:00:00:03')).json()) as { nfsExport?: string };
  assert.equal(other.nfsExport, undefined);
});
