import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatMac, macToBytes, normalizeMac } from '../../src/net/mac.js';

const cases: readonly [string, string | null][] = [
  ['52:54:00:12:34:56', '52:54:00:12:34:56'],
  ['52:54:00:AB:CD:EF', '52:54:00:ab:cd:ef'],
  ['52-54-00-ab-cd-ef', '52:54:00:ab:cd:ef'],
  ['525400ABCDEF', '52:54:00:ab:cd:ef'],
  ['  52:54:00:ab:cd:ef\n', '52:54:00:ab:cd:ef'],
  ['52:54:00:ab:cd', null],
  ['52:54:00:ab:cd:ef:01', null],
  ['52:54:00:ab:cd:eg', null],
  ['5254.00ab.cdef', null],
  ['', null],
];

for (const [text, expect] of cases) {
  test(`normalizeMac(${JSON.stringify(text)}) = ${expect}`, () => {
    assert.equal(normalizeMac(text), expect);
  });
}

test('formatMac writes lower-case, zero-padded, colon-separated hex', () => {
  assert.equal(formatMac(Uint8Array.from([0x52, 0x54, 0, 0x0a, 0xbc, 0xff])), '52:54:00:0a:bc:ff');
});

test('macToBytes round-trips with formatMac and refuses junk', () => {
  assert.deepEqual([...macToBytes('DC-A6-32-01-36-C2')], [0xdc, 0xa6, 0x32, 0x01, 0x36, 0xc2]);
  assert.equal(formatMac(macToBytes('dc:a6:32:01:36:c2')), 'dc:a6:32:01:36:c2');
  assert.throws(() => macToBytes('not a mac'), TypeError);
});
