// The diskless pages in a real browser (Debian chromium, headless) against `bramble serve` with NFS on (every
// port picked by the system): a "Diskless NFS root" profile added through the form, the exports with their layer
// sizes, a machine's layer reset to golden, and an export removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addKernelProfileFromForm, apiSession, logIn, screenshot, startWebTest } from './web-harness.js';

test('web page: an nfs-root profile, the NFS exports, reset to golden and remove, a machine\'s own root', async (t) => {
  const web = await startWebTest(t, { nfs: true });
  if (web === null) return;
  const { served, page, problems } = web;
  const { base } = served;
  const api = await apiSession(served);
  await logIn(page, served);

  await t.test('profiles: a diskless NFS root profile from the form, listed with its root', async () => {
    const row = await addKernelProfileFromForm(page, served, { name: 'thin', kind: 'nfs-root', fields: { nfsRoot: 'debian' } });
    assert.match(row, /Diskless NFS root[\s\S]*root debian, a layer per machine/);
    const profile = (await api('GET', '/profiles/thin')) as { kind: string; nfsRoot: string };
    assert.deepEqual([profile.kind, profile.nfsRoot], ['nfs-root', 'debian']);
  });

  await t.test('diskless: exports with their layer sizes; reset a layer to golden; remove the shared export', async () => {
    const layer = (await api('POST', '/nfs/exports', { root: 'debian', allow: '198.18.0.7', label: 'lab' })) as { id: number; generation: number };
    await api('POST', '/nfs/exports', { root: 'debian', allow: '198.18.0.0/24' });
    await page.click('header nav a:text("Diskless")');
    await page.waitForURL(`${base}/diskless`);
    const lab = page.locator('tr[data-export="/bramble/debian/lab"]');
    await lab.waitFor({ timeout: 10_000 });
    assert.match(await lab.innerText(), /own layer[\s\S]*198\.18\.0\.7[\s\S]*yes/);
    assert.match(await lab.locator('td.layer-size').innerText(), /\d+(\.\d)? (B|KiB|MiB)/);
    assert.match(await page.locator('main p.muted').first().innerText(), /Golden roots: debian/);
    await screenshot(page, 'diskless');

    await lab.locator('button[data-action="reset"]').click();
    await page.locator('text=/is back to golden/').waitFor({ timeout: 10_000 });
    const exports = (await api('GET', '/nfs/exports')) as { id: number; generation: number; resetAt?: string }[];
    const after = exports.find((e) => e.id === layer.id)!;
    assert.equal(after.generation, layer.generation + 1, 'the reset made every old handle stale');
    assert.ok(after.resetAt !== undefined);

    const shared = page.locator('tr[data-export="/bramble/debian"]');
    assert.equal(await shared.locator('button[data-action="reset"]').count(), 0, 'a read-only export has nothing to reset');
    await shared.locator('button[data-action="remove"]').click();
    await shared.waitFor({ state: 'detached', timeout: 10_000 });
    assert.deepEqual(((await api('GET', '/nfs/exports')) as { path: string }[]).map((e) => e.path), ['/bramble/debian/lab']);
  });

  await t.test("a machine booting the profile gets its own export, named on its page", async () => {
    const mac = '52:54:00:ab:cd:01';
    await api('POST', '/machines', { mac, profile: 'thin' });
    const script = await (await fetch(`${base}/boot.ipxe?mac=${mac}`)).text();
    assert.match(script, /root=\/dev\/nfs nfsroot=127\.0\.0\.1:\/bramble\/debian\/52-54-00-ab-cd-01,vers=3,tcp,nolock,port=\d+,mountport=\d+ ip=dhcp rw/);
    await page.goto(`${base}/machines/${mac}`);
    const root = page.locator('dd a[href="/diskless"]');
    await root.waitFor({ timeout: 10_000 });
    assert.equal(await root.innerText(), '/bramble/debian/52-54-00-ab-cd-01');
    await root.click();
    await page.locator('tr[data-export="/bramble/debian/52-54-00-ab-cd-01"]').waitFor({ timeout: 10_000 });
    assert.match(await page.locator('tr[data-export="/bramble/debian/52-54-00-ab-cd-01"]').innerText(), /own layer[\s\S]*52:54:00:ab:cd:01[\s\S]*127\.0\.0\.1/);
  });

  assert.deepEqual(problems, []);
});
