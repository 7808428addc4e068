import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applySettingsPatch, settingKeys, type SettingsPatchResult } from '../../src/profiles/settings-patch.js';
import type { Settings } from '../../src/store/schema.js';

const start: Settings = Object.freeze({ menu: Object.freeze({ title: 'Bramble network boot', timeoutSeconds: 10, defaultEntry: 'local' }) });
const menu = (over: Partial<Settings['menu']>): SettingsPatchResult => ({ ok: true, settings: { menu: { ...start.menu, ...over } } });

const cases: readonly { name: string; patch: Record<string, unknown>; expect: SettingsPatchResult | { key: string; error: RegExp } }[] = [
  { name: 'empty patch', patch: {}, expect: menu({}) },
  { name: 'title', patch: { 'menu.title': 'Home lab' }, expect: menu({ title: 'Home lab' }) },
  { name: 'timeout as a number', patch: { 'menu.timeoutSeconds': 30 }, expect: menu({ timeoutSeconds: 30 }) },
  { name: 'timeout as text (from the CLI)', patch: { 'menu.timeoutSeconds': '45' }, expect: menu({ timeoutSeconds: 45 }) },
  { name: 'timeout 0', patch: { 'menu.timeoutSeconds': 0 }, expect: menu({ timeoutSeconds: 0 }) },
  { name: 'timeout 3600', patch: { 'menu.timeoutSeconds': '3600' }, expect: menu({ timeoutSeconds: 3600 }) },
  { name: 'default entry a profile name', patch: { 'menu.defaultEntry': 'debian-12' }, expect: menu({ defaultEntry: 'debian-12' }) },
  { name: 'default entry a builtin', patch: { 'menu.defaultEntry': 'shell' }, expect: menu({ defaultEntry: 'shell' }) },
  {
    name: 'several keys at once',
    patch: { 'menu.title': 'Lab', 'menu.timeoutSeconds': 5, 'menu.defaultEntry': 'reboot' },
    expect: menu({ title: 'Lab', timeoutSeconds: 5, defaultEntry: 'reboot' }),
  },
  { name: 'an empty title', patch: { 'menu.title': '  ' }, expect: { key: 'menu.title', error: /one line of text/ } },
  { name: 'a title with a newline', patch: { 'menu.title': 'Lab\nshell' }, expect: { key: 'menu.title', error: /one line/ } },
  { name: 'a title that is not text', patch: { 'menu.title': 5 }, expect: { key: 'menu.title', error: /one line/ } },
  { name: 'timeout 3601', patch: { 'menu.timeoutSeconds': 3601 }, expect: { key: 'menu.timeoutSeconds', error: /0 to 3600/ } },
  { name: 'a negative timeout', patch: { 'menu.timeoutSeconds': -1 }, expect: { key: 'menu.timeoutSeconds', error: /0 to 3600/ } },
  { name: 'a negative timeout as text', patch: { 'menu.timeoutSeconds': '-1' }, expect: { key: 'menu.timeoutSeconds', error: /0 to 3600/ } },
  { name: 'a fractional timeout', patch: { 'menu.timeoutSeconds': 2.5 }, expect: { key: 'menu.timeoutSeconds', error: /whole number/ } },
  { name: 'a timeout with a unit', patch: { 'menu.timeoutSeconds': '10s' }, expect: { key: 'menu.timeoutSeconds', error: /whole number/ } },
  { name: 'an empty timeout', patch: { 'menu.timeoutSeconds': '' }, expect: { key: 'menu.timeoutSeconds', error: /whole number/ } },
  { name: 'a boolean timeout', patch: { 'menu.timeoutSeconds': true }, expect: { key: 'menu.timeoutSeconds', error: /whole number/ } },
  { name: 'a default entry with a space', patch: { 'menu.defaultEntry': 'a b' }, expect: { key: 'menu.defaultEntry', error: /profile name or 'local', 'shell', 'reboot'/ } },
  { name: 'a default entry with a newline', patch: { 'menu.defaultEntry': 'local\n' }, expect: { key: 'menu.defaultEntry', error: /profile name/ } },
  { name: 'an empty default entry', patch: { 'menu.defaultEntry': '' }, expect: { key: 'menu.defaultEntry', error: /profile name/ } },
  { name: 'an unknown key', patch: { 'menu.colour': 'blue' }, expect: { key: 'menu.colour', error: /unknown setting \(known: menu.title, menu.timeoutSeconds, menu.defaultEntry\)/ } },
  { name: 'a group instead of a key', patch: { menu: { title: 'x' } }, expect: { key: 'menu', error: /unknown setting/ } },
  // Keys come from a JSON body: names that exist on every object must still be unknown settings.
  { name: 'the key constructor', patch: { constructor: 'x' }, expect: { key: 'constructor', error: /unknown setting/ } },
  { name: 'the key toString', patch: { toString: 'x' }, expect: { key: 'toString', error: /unknown setting/ } },
  { name: 'the key hasOwnProperty', patch: { hasOwnProperty: 'x' }, expect: { key: 'hasOwnProperty', error: /unknown setting/ } },
  { name: 'the key __proto__', patch: JSON.parse('{"__proto__": {"title": "x"}}') as Record<string, unknown>, expect: { key: '__proto__', error: /unknown setting/ } },
  { name: 'a bad key after a good one rejects the whole patch', patch: { 'menu.title': 'Lab', 'menu.timeoutSeconds': 'x' }, expect: { key: 'menu.timeoutSeconds', error: /whole number/ } },
];

for (const c of cases) {
  test(`applySettingsPatch: ${c.name}`, () => {
    const result = applySettingsPatch(start, c.patch);
    if ('ok' in c.expect) {
      assert.deepEqual(result, c.expect);
    } else {
      assert.equal(result.ok, false, JSON.stringify(result));
      const failure = result as { key: string; error: string };
      assert.equal(failure.key, c.expect.key);
      assert.match(failure.error, c.expect.error);
    }
  });
}

test('applySettingsPatch leaves the given settings untouched', () => {
  const before = JSON.stringify(start);
  const result = applySettingsPatch(start, { 'menu.title': 'Changed', 'menu.timeoutSeconds': 1 });
  assert.equal(JSON.stringify(start), before);
  assert.equal(result.ok && result.settings.menu.title, 'Changed');
});

test('settingKeys lists the patchable keys', () => {
  assert.deepEqual(settingKeys, ['menu.title', 'menu.timeoutSeconds', 'menu.defaultEntry']);
});
