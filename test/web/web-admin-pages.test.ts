// The appliance, profiles and settings pages in a real browser (Debian chromium, headless) against a real
// `bramble serve` on loopback: health charts, profiles of each kind added and deleted, the boot menu's
// settings, and a password change, with the API's field errors shown beside their fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { apiSession, logIn, screenshot, startWebTest } from './web-harness.js';
import { x86PcFacts } from '../inventory/x86-pc-facts.js';

async function fieldError(page: Page, field: string, text: RegExp): Promise<void> {
  const slot = page.locator(`[data-error-for~="${field}"]`).filter({ hasText: text });
  await slot.waitFor({ timeout: 10_000 });
}

test('web page: appliance health, profiles, settings and password', async (t) => {
  const web = await startWebTest(t);
  if (web === null) return;
  const { served, page, problems } = web;
  const { base } = served;
  const api = await apiSession(served);
  await logIn(page, served);

  await t.test('appliance: a chart per measure from GET /api/v1/health, temperature or n/a', async () => {
    await page.click('header nav a:text("Appliance")');
    await page.waitForURL(`${base}/appliance`);
    const charts = page.locator('figure.chart');
    await charts.first().waitFor({ timeout: 10_000 });
    assert.deepEqual(await charts.evaluateAll((f) => f.map((x) => (x as HTMLElement).dataset.measure)), ['cpu', 'load', 'memory', 'disk', 'temperature']);
    assert.match(await page.locator('[data-measure="memory"] .value').innerText(), /^\d+(\.\d)? % of \d/);
    assert.match(await page.locator('[data-measure="disk"] .value').innerText(), /% used, .* free$/);
    assert.match(await page.locator('[data-measure="temperature"] .value').innerText(), /^(n\/a|-?\d+\.\d °C)$/);
    assert.ok((await page.locator('[data-measure="memory"] svg.spark circle.spark-dot').count()) === 1, 'the newest memory sample is drawn');
    assert.match(await page.locator('main p.muted').last().innerText(), /^Up .*\d+ samples?/);
    // The page reads again every 10 s: the second sample turns the memory dot into a line, without a reload.
    await page.waitForFunction(() => (document.querySelector('[data-measure="memory"] polyline')?.getAttribute('points') ?? '').split(' ').length >= 2, null, { timeout: 30_000 });
    await screenshot(page, 'appliance');
  });

  const kernel = join(served.dir, 'vmlinuz');
  const initrd = join(served.dir, 'initrd.img');
  await writeFile(kernel, 'k');
  await writeFile(initrd, 'i');

  await t.test('profiles: errors beside their fields, one of each kind added, deleted (also when in use)', async () => {
    await page.click('header nav a:text("Profiles")');
    await page.locator('p.empty', { hasText: 'No profiles yet' }).waitFor();
    const add = page.locator('form.add-profile');
    await add.locator('button[type="submit"]').click();
    await fieldError(page, 'name', /must be 1-63 letters/);

    await add.locator('input[name="name"]').fill('debian');
    await add.locator('input[name="kernel"]').fill('vmlinuz');
    await add.locator('button[type="submit"]').click();
    await fieldError(page, 'kernel', /must be an absolute path or an http\(s\) URL/);
    await add.locator('input[name="kernel"]').fill(kernel);
    await add.locator('textarea[name="initrds"]').fill(`${initrd}\n/no/such/initrd`);
    await add.locator('button[type="submit"]').click();
    await fieldError(page, 'initrd', /is not a readable file/);
    await add.locator('textarea[name="initrds"]').fill(initrd);
    await add.locator('input[name="cmdline"]').fill('console=ttyS0 quiet');
    await add.locator('input[name="description"]').fill('Debian, from the appliance');
    await add.locator('button[type="submit"]').click();
    await page.locator('tr[data-profile="debian"]').waitFor();
    assert.match(await page.locator('tr[data-profile="debian"]').innerText(), /console=ttyS0 quiet/);

    await add.locator('input[name="name"]').fill('netboot');
    await add.locator('select[name="kind"]').selectOption('chain');
    await add.locator('input[name="chain"]').fill('ftp://example.invalid/');
    await add.locator('button[type="submit"]').click();
    await fieldError(page, 'chain', /must be an http\(s\) URL/);
    await add.locator('input[name="chain"]').fill('http://127.0.0.1/menu.ipxe');
    await add.locator('button[type="submit"]').click();
    await page.locator('tr[data-profile="netboot"]').waitFor();

    await add.locator('input[name="name"]').fill('shell');
    await add.locator('select[name="kind"]').selectOption('script');
    await add.locator('textarea[name="script"]').fill('#!ipxe\nshell');
    await add.locator('button[type="submit"]').click();
    await fieldError(page, 'name', /built-in menu entry/);
    await add.locator('input[name="name"]').fill('ipxe-shell');
    await add.locator('button[type="submit"]').click();
    await page.locator('tr[data-profile="ipxe-shell"]').waitFor();

    await add.locator('input[name="name"]').fill('disk');
    await add.locator('select[name="kind"]').selectOption('local-disk');
    await add.locator('button[type="submit"]').click();
    await page.locator('tr[data-profile="disk"]').waitFor();
    const kinds = (await api('GET', '/profiles')) as { name: string; kind: string }[];
    assert.deepEqual(kinds.map((p) => [p.name, p.kind]), [['debian', 'kernel'], ['netboot', 'chain'], ['ipxe-shell', 'script'], ['disk', 'local-disk']]);
    await screenshot(page, 'profiles');

    await page.locator('tr[data-profile="netboot"] button:text("Delete")').click();
    await page.locator('tr[data-profile="netboot"]').waitFor({ state: 'detached' });
    // In use: the page asks again and deletes with force, which unassigns it.
    await api('POST', '/machines', { mac: '52:54:00:00:00:09', profile: 'disk' });
    await page.locator('tr[data-profile="disk"] button:text("Delete")').click();
    await page.locator('tr[data-profile="disk"]').waitFor({ state: 'detached' });
    const machine = (await api('GET', '/machines/52:54:00:00:00:09')) as { profile?: string };
    assert.equal(machine.profile, undefined);
  });

  await t.test('settings: the boot menu, with its errors beside the fields', async () => {
    await page.click('header nav a:text("Settings")');
    const title = page.locator('input[name="menu.title"]');
    await title.waitFor();
    assert.equal(await title.inputValue(), 'Bramble network boot');
    assert.deepEqual(await page.locator('select[name="menu.defaultEntry"] option').evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value)), ['local', 'shell', 'reboot', 'debian', 'ipxe-shell']);
    await page.fill('input[name="menu.timeoutSeconds"]', '9999');
    await page.click('button:text("Save menu")');
    await fieldError(page, 'menu.timeoutSeconds', /from 0 to 3600/);
    await title.fill('Lab boot menu');
    await page.fill('input[name="menu.timeoutSeconds"]', '5');
    await page.selectOption('select[name="menu.defaultEntry"]', 'debian');
    await page.click('button:text("Save menu")');
    await page.locator('.notice', { hasText: 'Menu saved' }).waitFor();
    assert.deepEqual(await api('GET', '/settings'), { menu: { title: 'Lab boot menu', timeoutSeconds: 5, defaultEntry: 'debian' } });
    await screenshot(page, 'settings');
  });

  await t.test('machine page parts from fixtures: an x86 PC agent report, a partial one, none; a chainloaded boot', async () => {
    // The agent's report as test/inventory/agent.test.ts proves it for the x86-pc fixture.
    const pc = x86PcFacts;
    const t0 = Date.parse('2026-01-01T10:00:00Z');
    const at = (s: number, stage: string, fields?: Record<string, unknown>) => ({ time: new Date(t0 + s * 1000).toISOString(), mac: '94:c6:91:aa:bb:01', stage, detail: stage, ...(fields ? { fields } : {}) });
    // PXE ROM: DHCP, TFTP of iPXE; iPXE: DHCP again, script, kernel, initrd; then root; then the next boot's DHCP.
    const first = [at(0, 'dhcp'), at(1, 'tftp'), at(3, 'dhcp'), at(4, 'script'), at(5, 'kernel'), at(9, 'initrd'), at(40, 'root')];
    const second = [at(100, 'power', { action: 'cycle', ok: true }), at(130, 'dhcp'), at(131, 'tftp')];
    const shown = await page.evaluate(
      async ({ pc, first, second }) => {
        const { hardwareFacts } = await import(String('/static/js/hardware-facts.js'));
        const { latestBoot, bootTimeline } = await import(String('/static/js/boot-timeline.js'));
        // No named functions in here: tsx's transform would wrap them in a helper the browser does not have.
        return {
          full: hardwareFacts({ hardware: pc, hardwareAt: new Date().toISOString() }).textContent,
          partial: hardwareFacts({ hardware: { cpu: {}, disks: [{ name: 'sda' }], nics: 'not a list' } }).textContent,
          none: hardwareFacts({}).textContent,
          firstBoot: latestBoot(first).map((s: { step: string }) => s.step),
          secondBoot: latestBoot([...first, ...second]).map((s: { step: string }) => s.step),
          gaps: [...bootTimeline(first).querySelectorAll('.tl-gap')].map((g) => g.textContent),
        };
      },
      { pc, first, second },
    );
    for (const text of ['Intel(R) Core(TM) i5-8259U CPU @ 2.30GHz (4 cores, 8 threads)', '15.5 GiB', 'NUC8i5BEH', 'G6BE12345678', 'nvme0n1', '932 GiB', '28.6 GiB', 'Samsung SSD 970 EVO Plus 1TB', '1000 Mb/s', 'e1000e', 'iwlwifi']) {
      assert.ok(shown.full?.includes(text), `hardware shows ${text}: ${shown.full}`);
    }
    assert.match(shown.partial ?? '', /unknown model/);
    assert.match(shown.partial ?? '', /sda/);
    assert.match(shown.none ?? '', /No hardware facts yet/);
    assert.deepEqual(shown.firstBoot, ['dhcp', 'tftp', 'script', 'kernel', 'initrd', 'root']);
    assert.deepEqual(shown.secondBoot, ['power', 'dhcp', 'tftp']);
    assert.deepEqual(shown.gaps, ['1.0 s', '3.0 s', '1.0 s', '4.0 s', '31 s']);
  });

  await t.test('password: wrong, short and mismatched are refused in place; the new one logs in', async () => {
    const fill = async (current: string, next: string, repeat: string) => {
      await page.fill('input[name="current"]', current);
      await page.fill('input[name="next"]', next);
      await page.fill('input[name="repeat"]', repeat);
      await page.click('button:text("Change password")');
    };
    await fill(served.password, 'new-password-1', 'new-password-2');
    await fieldError(page, 'repeat', /does not match/);
    await fill(served.password, 'short', 'short');
    await fieldError(page, 'next', /at least 10 characters/);
    await fill('wrong-password', 'new-password-1', 'new-password-1');
    await fieldError(page, 'current', /wrong password/);
    await fill(served.password, 'new-password-1', 'new-password-1');
    await page.locator('.notice', { hasText: 'Password changed' }).waitFor();
    await page.click('#logout');
    await page.waitForURL(`${base}/login`);
    await logIn(page, { ...served, password: 'new-password-1' });
  });

  assert.deepEqual(
    problems.filter((p) => !/status of (400|403|409) /.test(p)),
    [],
    'no script errors or CSP refusals (400, 403 and 409 were the refused inputs)',
  );
});
