// The iSCSI disks on the diskless page in a real browser (Debian chromium, headless) against `bramble serve` with
// iSCSI on: an "iSCSI root" profile from the form, a disk listed with its size and the space its overlay takes
// and no CHAP secret anywhere on the page, a disk reset to golden and one removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { addKernelProfileFromForm, apiSession, logIn, screenshot, startWebTest } from './web-harness.js';

test('web page: an iscsi-root profile, the iSCSI disks, reset to golden and remove, no secrets shown', async (t) => {
  const web = await startWebTest(t, { iscsi: true });
  if (web === null) return;
  const { served, page, problems } = web;
  const { base } = served;
  const api = await apiSession(served);
  await logIn(page, served);

  await t.test('profiles: an iSCSI root profile from the form, listed with its image', async () => {
    const row = await addKernelProfileFromForm(page, served, { name: 'k3s-node', kind: 'iscsi-root', fields: { cmdline: 'root=LABEL=k3s', iscsiImage: 'k3s' } });
    assert.match(row, /Diskless iSCSI root[\s\S]*disk over k3s, one per machine/);
    const profile = (await api('GET', '/profiles/k3s-node')) as { kind: string; iscsiImage: string };
    assert.deepEqual([profile.kind, profile.iscsiImage], ['iscsi-root', 'k3s']);
  });

  await t.test('diskless: disks with their sizes, no secrets; reset one to golden; remove another', async () => {
    const lab = (await api('POST', '/iscsi/disks', { image: 'k3s', label: 'lab', allow: '198.18.0.7' })) as { id: number; iqn: string };
    await api('POST', '/iscsi/disks', { image: 'k3s', label: 'spare', allow: '198.18.0.8' });
    const stored = JSON.parse(await readFile(join(served.dir, 'data', 'bramble.json'), 'utf8')) as { iscsiDisks: { chapSecret: string }[] };
    const secrets = stored.iscsiDisks.map((d) => d.chapSecret);
    assert.equal(secrets.length, 2);
    await page.click('header nav a:text("Diskless")');
    await page.waitForURL(`${base}/diskless`);
    const row = page.locator(`tr[data-disk="${lab.iqn}"]`);
    await row.waitFor({ timeout: 10_000 });
    assert.match(await row.innerText(), /iqn\.2026-11\.org\.bramble:lab[\s\S]*k3s[\s\S]*198\.18\.0\.7[\s\S]*1(\.0)? MiB[\s\S]*yes/);
    assert.match(await row.locator('td.used').innerText(), /\d+(\.\d)? (B|KiB|MiB)/);
    assert.match(await page.locator('main p.images').innerText(), /Golden images: k3s/);
    const html = await page.content();
    for (const secret of secrets) assert.ok(!html.includes(secret), 'a CHAP secret is on the page');
    await screenshot(page, 'diskless-iscsi');

    await row.locator('button[data-action="reset"]').click();
    await page.locator('text=/is back to golden/').waitFor({ timeout: 10_000 });
    const disks = (await api('GET', '/iscsi/disks')) as { id: number; resetAt?: string }[];
    assert.ok(disks.find((d) => d.id === lab.id)!.resetAt !== undefined);

    const spare = page.locator('tr[data-disk="iqn.2026-11.org.bramble:spare"]');
    await spare.locator('button[data-action="remove"]').click();
    await spare.waitFor({ state: 'detached', timeout: 10_000 });
    assert.deepEqual(((await api('GET', '/iscsi/disks')) as { iqn: string }[]).map((d) => d.iqn), [lab.iqn]);
  });

  assert.deepEqual(problems, []);
});
