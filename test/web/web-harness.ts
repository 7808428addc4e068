// What the browser tests share: a real `bramble serve` on loopback (the built CLI), headless Debian chromium
// driven by playwright-core, logging in, and an API session for setting things up. Everything started is
// stopped by t.after.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startProcess } from '../support/managed-process.js';
import { findTool, requireTool } from '../support/require-tool.js';
import { cliPath, freePort, requireBuild } from '../cli/support/bramble-process.js';

export const ARTIFACTS = join(process.cwd(), 'test', 'artifacts');

export interface Served {
  readonly base: string;
  readonly dir: string;
  readonly password: string;
}

export interface ServeOptions {
  /** NFS on, every port picked by the system (so parallel tests never share 111), with a golden root `debian`. */
  readonly nfs?: boolean;
  /** iSCSI on, its port picked by the system, with a golden image `k3s` (1 MiB). */
  readonly iscsi?: boolean;
}

async function serveBramble(t: TestContext, options: ServeOptions = {}): Promise<Served> {
  await requireBuild();
  const dir = await mkdtemp(join(tmpdir(), 'bramble-web-'));
  await mkdir(join(dir, 'ipxe'));
  if (options.nfs === true) await mkdir(join(dir, 'data', 'nfs', 'roots', 'debian', 'etc'), { recursive: true });
  if (options.iscsi === true) {
    await mkdir(join(dir, 'data', 'iscsi', 'images'), { recursive: true });
    await writeFile(join(dir, 'data', 'iscsi', 'images', 'k3s.img'), Buffer.alloc(1024 * 1024, 7));
  }
  const nfs = [
    ...(options.nfs === true ? ['--nfs', 'on', '--nfs-port', '0', '--mountd-port', '0', '--portmap-port', '0'] : ['--nfs', 'off']),
    ...(options.iscsi === true ? ['--iscsi', 'on', '--iscsi-port', '0'] : ['--iscsi', 'off']),
  ];
  const [http, tftp] = [await freePort(), await freePort()];
  const server = startProcess(
    [process.execPath, cliPath, 'serve', ...nfs, '--interface', 'lo', '--address', '127.0.0.1', '--dhcp-mode', 'off', '--http-port', String(http), '--tftp-port', String(tftp), '--data-dir', join(dir, 'data'), '--ipxe-dir', join(dir, 'ipxe')],
    { label: 'bramble serve' },
  );
  t.after(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const first = await server.waitFor(/"initialPassword":"([^"]+)"/, 20_000);
  await server.waitFor(/bramble is serving/, 20_000);
  return { base: `http://127.0.0.1:${http}`, dir, password: first[1]! };
}

async function launchBrowser(t: TestContext): Promise<Browser> {
  const executablePath = findTool('chromium');
  assert.ok(executablePath, 'chromium not found');
  // --no-sandbox: Chromium's sandbox cannot start as root, which is how CI runs.
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
  t.after(() => browser.close());
  return browser;
}

export interface WebTest {
  readonly served: Served;
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Filled as the page complains; see watchProblems. */
  readonly problems: string[];
}

/** A server and a desktop-sized page, or null when chromium is missing (the test is then skipped, or fails under CI). */
export async function startWebTest(t: TestContext, options: ServeOptions = {}): Promise<WebTest | null> {
  if (!requireTool(t, 'chromium', 'chromium')) return null;
  const served = await serveBramble(t, options);
  const browser = await launchBrowser(t);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  return { served, browser, context, page, problems: watchProblems(page) };
}

/** Collects what the page complains about (CSP refusals, script errors, failed requests), to assert none. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => void d.accept());
  return problems;
}

export async function logIn(page: Page, served: Served): Promise<void> {
  await page.goto(`${served.base}/login`);
  await page.fill('input[name="password"]', served.password);
  await page.click('button[type="submit"]');
  await page.waitForURL(`${served.base}/`);
  await page.locator('h1', { hasText: 'Machines' }).waitFor();
}

/**
 * Adds a kernel-booting profile through the Profiles page's form (a stand-in kernel and initrd written into the
 * served folder), with `fields` filled by input name, and waits for its row; returns the row's text.
 */
export async function addKernelProfileFromForm(page: Page, served: Served, profile: { readonly name: string; readonly kind: string; readonly fields: Record<string, string> }): Promise<string> {
  const kernel = join(served.dir, 'vmlinuz');
  const initrd = join(served.dir, 'initrd.img');
  await writeFile(kernel, 'kernel');
  await writeFile(initrd, 'initrd');
  await page.click('header nav a:text("Profiles")');
  await page.waitForURL(`${served.base}/profiles`);
  const add = page.locator('form.add-profile');
  await add.locator('input[name="name"]').fill(profile.name);
  await add.locator('select[name="kind"]').selectOption(profile.kind);
  await add.locator('input[name="kernel"]').fill(kernel);
  await add.locator('textarea[name="initrds"]').fill(initrd);
  for (const [name, value] of Object.entries(profile.fields)) await add.locator(`input[name="${name}"]`).fill(value);
  await add.locator('button[type="submit"]').click();
  const row = page.locator(`tr[data-profile="${profile.name}"]`);
  await row.waitFor();
  return row.innerText();
}

/** The API as a logged-in browser would call it (cookie + X-CSRF-Token), for setting the scene. */
export async function apiSession(served: Served): Promise<(method: string, path: string, body?: unknown) => Promise<unknown>> {
  const login = await fetch(`${served.base}/api/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: served.password }),
  });
  assert.equal(login.status, 200);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  return async (method, path, body) => {
    const r = await fetch(`${served.base}/api/v1${path}`, {
      method,
      headers: { cookie, 'x-csrf-token': csrfToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const data: unknown = await r.json();
    assert.ok(r.ok, `${method} ${path}: ${r.status} ${JSON.stringify(data)}`);
    return data;
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  // Action messages fade by themselves; a picture of the page should not wait for them.
  await page.evaluate(() => document.getElementById('notices')?.remove());
  await page.screenshot({ path, fullPage: true });
  return path;
}
