// The web page's routes with app.request(): login redirects, security headers, static files, no path escape,
// and web/ itself (no inline script for the CSP to refuse, no address outside the appliance).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultWebDir, webRoutes } from '../../src/http/web-routes.js';
import { SESSION_COOKIE } from '../../src/api/guard.js';

const auth = { fromSession: (id: string) => (id === 'good' ? { user: 'admin', via: 'session' as const, csrfToken: 'c' } : null) };
const app = webRoutes({ auth });
const withSession = { cookie: `${SESSION_COOKIE}=good` };

test('pages redirect to /login without a valid session, and say where to come back to', async () => {
  for (const [path, location] of [
    ['/', '/login'],
    ['/profiles', '/login?next=%2Fprofiles'],
    ['/machines/52:54:00:12:34:56', '/login?next=%2Fmachines%2F52%3A54%3A00%3A12%3A34%3A56'],
  ] as const) {
    for (const cookie of [{}, { cookie: `${SESSION_COOKIE}=expired` }] as Record<string, string>[]) {
      const r = await app.request(path, { headers: cookie });
      assert.equal(r.status, 302, path);
      assert.equal(r.headers.get('location'), location);
      assert.equal(r.headers.get('cache-control'), 'no-store');
    }
  }
});

test('with a session, every page route serves the shell with the security headers', async () => {
  for (const path of ['/', '/appliance', '/profiles', '/settings', '/machines/52:54:00:12:34:56']) {
    const r = await app.request(path, { headers: withSession });
    assert.equal(r.status, 200, path);
    assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(await r.text(), /<script type="module" src="\/static\/js\/app\.js">/);
    const csp = r.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(r.headers.get('x-frame-options'), 'DENY');
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('referrer-policy'), 'same-origin');
  }
});

test('/login is public, and sends a logged-in browser on to the machines', async () => {
  const page = await app.request('/login');
  assert.equal(page.status, 200);
  assert.match(await page.text(), /id="login"/);
  assert.ok(page.headers.get('content-security-policy'));
  const again = await app.request('/login', { headers: withSession });
  assert.equal(again.status, 302);
  assert.equal(again.headers.get('location'), '/');
});

test('static files: content type, revalidated by ETag, public', async () => {
  const js = await app.request('/static/js/app.js');
  assert.equal(js.status, 200);
  assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal(js.headers.get('cache-control'), 'no-cache');
  const etag = js.headers.get('etag');
  assert.ok(etag);
  const again = await app.request('/static/js/app.js', { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  assert.equal((await app.request('/static/style.css')).headers.get('content-type'), 'text/css; charset=utf-8');
  assert.equal((await app.request('/static/favicon.svg')).headers.get('content-type'), 'image/svg+xml');
  assert.equal((await app.request('/static/js/app.js', { method: 'HEAD' })).status, 200);
});

test('static paths cannot leave web/, nor reach its pages, dotfiles or README', async () => {
  for (const path of [
    '/static/../package.json',
    '/static/%2e%2e/package.json',
    '/static/js/%2e%2e%2f%2e%2e%2fpackage.json',
    '/static/..%5c..%5cpackage.json',
    '/static/%2Fetc%2Fpasswd',
    '/static/README.md',
    '/static/index.html',
    '/static/.hidden.js',
    '/static/js/nothing.js',
    '/static/%E0%A4%A',
  ]) {
    const r = await app.request(path);
    assert.ok(r.status === 404 || r.status === 400, `${path}: ${r.status}`);
    assert.doesNotMatch(await r.text(), /"name": "bramble"|root:/, path);
  }
});

test('a symlink inside the web folder that points out of it is not followed', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bramble-web-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'web'));
  await writeFile(join(dir, 'secret.js'), 'secret');
  await writeFile(join(dir, 'web', 'ok.js'), 'ok');
  await symlink(join(dir, 'secret.js'), join(dir, 'web', 'leak.js'));
  const contained = webRoutes({ auth, webDir: join(dir, 'web') });
  assert.equal(await (await contained.request('/static/ok.js')).text(), 'ok');
  assert.equal((await contained.request('/static/leak.js')).status, 404);
});

test('web/ is found from src/http (tsx) and from dist/http (built)', () => {
  const root = process.cwd();
  const expected = join(root, 'web') + '/';
  assert.equal(defaultWebDir(pathToFileURL(join(root, 'src', 'http', 'web-routes.ts')).href), expected);
  assert.equal(defaultWebDir(pathToFileURL(join(root, 'dist', 'http', 'web-routes.js')).href), expected);
  assert.throws(() => webRoutes({ auth, webDir: join(root, 'no-such-web') }), /missing/);
});

test('web/ has no inline script and loads nothing from outside the appliance', async () => {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (/\.(html|js|css|svg)$/.test(entry.name)) files.push(path);
    }
  };
  await walk(join(process.cwd(), 'web'));
  assert.ok(files.length >= 10, `found ${files.length} files`);
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    // Everything the page loads is named by src/href, url(), an import, fetch or EventSource: all must stay on this host.
    const loads = [
      ...[...text.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]!),
      ...[...text.matchAll(/url\(\s*['"]?([^'")]*)/g)].map((m) => m[1]!),
      ...[...text.matchAll(/(?:^|\s)(?:import|from)\s*['"]([^'"]+)['"]/gm)].map((m) => m[1]!),
      ...[...text.matchAll(/(?:fetch|EventSource)\(\s*[`'"]([^`'"]*)/g)].map((m) => m[1]!),
    ];
    for (const target of loads) assert.match(target, /^(\/(?!\/)|\.\/|#|data:)/, `${file} loads ${target}`);
    assert.doesNotMatch(text, /@import|@font-face/, file);
    if (file.endsWith('.html')) {
      assert.doesNotMatch(text, /<script(?![^>]*\bsrc=)[^>]*>/, `${file} has an inline script`);
      assert.doesNotMatch(text, /\son[a-z]+=|style="/, `${file} has an inline handler or style`);
    }
  }
});
