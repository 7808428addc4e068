// REST API v1 authentication: every route needs a login or a token, CSRF for browsers, login rate limit (OWASP).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openApiDocument } from '../../src/api/openapi.js';
import { apiHarness } from './api-harness.js';

const OPEN = new Set(['POST /login', 'GET /openapi.json']);
const METHODS = ['get', 'post', 'patch', 'put', 'delete'] as const;

/** Every operation the OpenAPI document lists, with sample path parameters filled in. */
function operations(): Array<{ method: string; path: string; key: string }> {
  const paths = openApiDocument().paths as Record<string, Record<string, unknown>>;
  return Object.entries(paths).flatMap(([path, ops]) =>
    METHODS.filter((m) => ops[m] !== undefined).map((m) => ({
      method: m.toUpperCase(),
      key: `${m.toUpperCase()} ${path}`,
      path: `/api/v1${path.replace('{mac}', '52:54:00:00:00:01').replace('{name}', 'debian').replace('{id}', 'abc')}`,
    })),
  );
}

test('every API route but login and the OpenAPI document refuses a request with no login (401)', async (t) => {
  const h = await apiHarness(t);
  const ops = operations();
  assert.ok(ops.length >= 18, `only ${ops.length} operations documented`);
  for (const op of ops) {
    const res = await h.call(op.method, op.path, op.method === 'GET' || op.method === 'DELETE' ? {} : { body: {} });
    if (OPEN.has(op.key.replace('/api/v1', ''))) assert.notEqual(res.status, 401, op.key);
    else {
      assert.equal(res.status, 401, op.key);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'UNAUTHENTICATED', op.key);
    }
  }
  // Routes nobody documented are refused too, not answered.
  assert.equal((await h.call('GET', '/api/v1/no-such-thing')).status, 401);
});

test('the OpenAPI document lists exactly the routes the API serves', async (t) => {
  const h = await apiHarness(t, { trusted: true });
  for (const op of operations()) {
    const res = await h.call(op.method, op.path, op.method === 'GET' || op.method === 'DELETE' ? {} : { body: {} });
    if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
      await res.body?.cancel(); // a live stream never ends by itself; being one is the proof it is served
      continue;
    }
    const body = (await res.json()) as { error?: { code: string } };
    assert.notEqual(body.error?.code, 'NO_SUCH_ROUTE', `${op.key} is documented but not served`);
  }
  const documented = new Set(operations().map((op) => op.key.replace(' ', ' /api/v1').replace(/\{(\w+)\}/g, ':$1')));
  for (const route of h.routes) assert.ok(documented.has(route), `${route} is served but not in the OpenAPI document`);
  const doc = openApiDocument() as { paths: Record<string, unknown>; openapi: string };
  assert.equal(doc.openapi, '3.1.0');
  const served = await h.call('GET', '/api/v1/openapi.json');
  assert.deepEqual(await served.json(), JSON.parse(JSON.stringify(doc)));
});

test('a wrong password or an unknown user gets 401 BAD_CREDENTIALS and no cookie', async (t) => {
  const h = await apiHarness(t);
  for (const body of [{ username: 'admin', password: 'wrong password' }, { username: 'root', password: h.adminPassword }]) {
    const res = await h.call('POST', '/api/v1/login', { body });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('set-cookie'), null);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'BAD_CREDENTIALS');
  }
  const missing = await h.call('POST', '/api/v1/login', { body: { username: 'admin' } });
  assert.equal(missing.status, 400);
  assert.equal(((await missing.json()) as { error: { field: string } }).error.field, 'password');
});

test('login sets an HttpOnly SameSite=Strict cookie that opens the API; logout closes it', async (t) => {
  const h = await apiHarness(t);
  const res = await h.call('POST', '/api/v1/login', { body: { username: 'admin', password: h.adminPassword } });
  assert.equal(res.status, 200);
  const cookie = res.headers.get('set-cookie')!;
  assert.match(cookie, /^bramble_session=[A-Za-z0-9_-]{43};/);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  const session = await h.call('GET', '/api/v1/session');
  assert.equal(session.status, 200);
  assert.deepEqual(await session.json(), { user: 'admin', via: 'session', csrfToken });
  // The store keeps only a hash of the session id.
  assert.ok(!JSON.stringify(h.store.read()).includes(cookie.split(';')[0]!.split('=')[1]!));
  assert.equal((await h.call('POST', '/api/v1/logout', { headers: { 'x-csrf-token': csrfToken } })).status, 200);
  assert.equal((await h.call('GET', '/api/v1/machines')).status, 401);
});

test('CSRF: a browser change needs the X-CSRF-Token header, and a foreign Origin is refused', async (t) => {
  const h = await apiHarness(t);
  const csrf = await h.login();
  const add = { body: { mac: '52:54:00:00:00:01', name: 'nuc' } };
  const none = await h.call('POST', '/api/v1/machines', add);
  assert.equal(none.status, 403);
  assert.equal(((await none.json()) as { error: { code: string } }).error.code, 'CSRF');
  assert.equal((await h.call('POST', '/api/v1/machines', { ...add, headers: { 'x-csrf-token': 'guess' } })).status, 403);
  assert.equal((await h.call('POST', '/api/v1/machines', { ...add, headers: { 'x-csrf-token': csrf, origin: 'http://evil.example' } })).status, 403);
  assert.equal(h.store.read().machines.length, 0, 'nothing was changed by the refused requests');
  assert.equal((await h.call('POST', '/api/v1/machines', { ...add, headers: { 'x-csrf-token': csrf, origin: 'http://bramble.test' } })).status, 201);
  // Reading needs no token.
  assert.equal((await h.call('GET', '/api/v1/machines')).status, 200);
});

test('logins are rate limited per address: the 6th failure in a minute gets 429 with Retry-After, even with the right password', async (t) => {
  const h = await apiHarness(t);
  const wrong = { body: { username: 'admin', password: 'not it' }, as: '198.18.0.66' };
  for (let i = 0; i < 5; i++) assert.equal((await h.call('POST', '/api/v1/login', wrong)).status, 401);
  const limited = await h.call('POST', '/api/v1/login', { body: { username: 'admin', password: h.adminPassword }, as: '198.18.0.66' });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '60');
  // Another address is not affected, and the limit lifts once the failures leave the window.
  assert.equal((await h.call('POST', '/api/v1/login', { body: { username: 'admin', password: h.adminPassword }, as: '198.18.0.67' })).status, 200);
  h.setNow(Date.parse('2026-11-26T12:01:01Z'));
  assert.equal((await h.call('POST', '/api/v1/login', { body: { username: 'admin', password: h.adminPassword }, as: '198.18.0.66' })).status, 200);
});

test('bearer tokens: made once with their secret shown, work without CSRF, listed without secrets, revocable', async (t) => {
  const h = await apiHarness(t);
  const csrf = await h.login();
  const made = await h.call('POST', '/api/v1/tokens', { body: { name: 'ci script' }, headers: { 'x-csrf-token': csrf } });
  assert.equal(made.status, 201);
  const { token, id } = (await made.json()) as { token: string; id: string };
  assert.match(token, /^brt_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
  await h.call('POST', '/api/v1/logout', { headers: { 'x-csrf-token': csrf } });
  const bearer = { authorization: `Bearer ${token}` };
  const added = await h.call('POST', '/api/v1/machines', { body: { mac: '52:54:00:00:00:02' }, headers: bearer });
  assert.equal(added.status, 201);
  const list = await h.call('GET', '/api/v1/tokens', { headers: bearer });
  const listed = JSON.stringify(await list.json());
  // The whole 43-character secret: base64url may hold '_' itself, so cutting at '_' could leave a fragment short
  // enough to turn up in the listing by chance.
  const secret = token.slice(-43);
  assert.ok(listed.includes('ci script') && !listed.includes(secret), 'listed by name, never with its secret');
  assert.equal((await h.call('GET', '/api/v1/machines', { headers: { authorization: `Bearer ${token.slice(0, -1)}x` } })).status, 401);
  assert.equal((await h.call('DELETE', `/api/v1/tokens/${id}`, { headers: bearer })).status, 200);
  assert.equal((await h.call('GET', '/api/v1/machines', { headers: bearer })).status, 401);
});

test('the admin account is made once; its password is stored only as a scrypt hash', async (t) => {
  const h = await apiHarness(t);
  assert.deepEqual(await h.auth.ensureAdmin(), { created: false });
  const [user] = h.store.read().users;
  assert.equal(user!.name, 'admin');
  assert.match(user!.passwordHash, /^scrypt\$16384\$8\$1\$/);
  assert.ok(!JSON.stringify(h.store.read()).includes(h.adminPassword));
});

test('changing the password needs the current one, checks the new one, and ends other sessions', async (t) => {
  const h = await apiHarness(t);
  const csrf = await h.login();
  const other = await h.auth.login('admin', h.adminPassword, '198.18.0.20');
  assert.ok(other.ok);
  const headers = { 'x-csrf-token': csrf };
  const wrong = await h.call('POST', '/api/v1/password', { body: { current: 'nope', next: 'a long new password' }, headers });
  assert.equal(wrong.status, 403);
  const short = await h.call('POST', '/api/v1/password', { body: { current: h.adminPassword, next: 'short' }, headers });
  assert.equal(((await short.json()) as { error: { field: string } }).error.field, 'next');
  assert.equal((await h.call('POST', '/api/v1/password', { body: { current: h.adminPassword, next: 'a long new password' }, headers })).status, 200);
  assert.equal(h.auth.fromSession(other.sessionId), null, 'the other session ended');
  assert.equal((await h.call('GET', '/api/v1/session')).status, 200, 'this session goes on');
  assert.equal((await h.auth.login('admin', 'a long new password', '198.18.0.21')).ok, true);
});

test('sessions expire after 7 days', async (t) => {
  const h = await apiHarness(t);
  await h.login();
  h.setNow(Date.parse('2026-12-03T12:00:01Z'));
  assert.equal((await h.call('GET', '/api/v1/session')).status, 401);
});

test('a body over 1 MiB is refused with 413', async (t) => {
  const h = await apiHarness(t, { trusted: true });
  const res = await h.call('PATCH', '/api/v1/settings', { body: { 'menu.title': 'x'.repeat(1_100_000) } });
  assert.equal(res.status, 413);
});
