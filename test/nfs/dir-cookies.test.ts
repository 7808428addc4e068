// Hash-ordered READDIR cookies: every name once across pages, and paging stays right while the directory changes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inCookieOrder, nameCookie, pageAfter } from '../../src/nfs/view/dir-cookies.js';

const listing = (names: readonly string[]) => names.map((name, i) => ({ name, fileId: BigInt(100 + i) }));

test('cookies: dot entries first, names above 2 and below 2^62, the same name always the same cookie', () => {
  const ordered = inCookieOrder(5n, 1n, listing(['b', 'a', 'c']));
  assert.deepEqual(ordered.slice(0, 2).map((e) => [e.name, e.fileId, e.cookie]), [['.', 5n, 1n], ['..', 1n, 2n]]);
  for (const e of ordered.slice(2)) {
    assert.ok(e.cookie >= 3n && e.cookie < 1n << 62n);
    assert.equal(e.cookie, nameCookie(e.name));
  }
  const cookies = ordered.map((e) => e.cookie);
  assert.deepEqual(cookies, [...cookies].sort((a, b) => (a < b ? -1 : 1)));
});

test('paging with small pages returns every name exactly once', () => {
  const names = Array.from({ length: 2000 }, (_, i) => `file-${i}`);
  const ordered = inCookieOrder(5n, 1n, listing(names));
  const seen: string[] = [];
  let after = 0n;
  for (let pages = 0; pages < 1000; pages++) {
    const page = pageAfter(ordered, after, 7);
    seen.push(...page.entries.map((e) => e.name));
    if (page.eof) break;
    after = page.entries.at(-1)!.cookie;
  }
  assert.equal(seen.length, 2002);
  assert.deepEqual(new Set(seen), new Set(['.', '..', ...names]));
});

test('removing entries between pages (rm -rf) neither skips nor repeats the rest', () => {
  let names = Array.from({ length: 300 }, (_, i) => `n${i}`);
  const seen = new Set<string>();
  let after = 0n;
  for (;;) {
    const page = pageAfter(inCookieOrder(5n, 1n, listing(names)), after, 10);
    for (const e of page.entries) {
      assert.ok(!seen.has(e.name), `${e.name} seen twice`);
      seen.add(e.name);
    }
    // the client removes what it has read before it asks for more
    names = names.filter((n) => !seen.has(n));
    if (page.eof) break;
    after = page.entries.at(-1)!.cookie;
  }
  assert.equal(seen.size, 302);
});

test('a page past the end is empty and eof; max 0 gives no entries', () => {
  const ordered = inCookieOrder(5n, 1n, listing(['x']));
  assert.deepEqual(pageAfter(ordered, 1n << 62n, 10), { entries: [], eof: true });
  assert.equal(pageAfter(ordered, 0n, 0).entries.length, 0);
  assert.equal(pageAfter(ordered, 0n, 0).eof, false);
});
