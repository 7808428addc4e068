// Layer metadata records as JSON lines: exact round trips (64-bit ids kept), and every malformed line refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeLayerLine, decodeLayerRecord, encodeLayerGroup, encodeLayerRecord, MAX_GROUP } from '../../src/nfs/view/layer-record-line.js';
import type { LayerRecord } from '../../src/nfs/view/layer-state.js';

const records: readonly LayerRecord[] = [
  { op: 'meta', id: 0xffffffffffffffffn, meta: { type: 'chr', mode: 0o666, uid: 0, gid: 5, rdev: { major: 1, minor: 3 }, mtimeNs: 1795714450704202787n } },
  { op: 'meta', id: 9n, meta: { type: 'lnk', mode: 0o777, uid: 1000, gid: 1000, target: '../lib/x86_64-linux-gnu/libc.so.6' } },
  { op: 'link', id: (1n << 63n) | 5n, at: { parent: 2n, name: 'new file ✓' } },
  { op: 'unlink', id: 9n, at: { parent: 2n, name: 'a' } },
  { op: 'whiteout', at: { parent: 2n, name: 'motd' } },
  { op: 'meta', id: 12n, meta: { type: 'reg', mode: 0o600, uid: 0, gid: 0, data: true, ctimeNs: 5n, exclusive: '00ff00ff00ff00ff' } },
  { op: 'forget', id: 46n },
  { op: 'next', id: (1n << 63n) | 47n },
];

for (const record of records) {
  test(`round trip: ${record.op}`, () => {
    const line = encodeLayerRecord(record);
    assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'));
    assert.deepEqual(decodeLayerRecord(line), { ok: true, record });
  });
}

test('golden line: ids and times are decimal strings, so no bit of a 64-bit id is lost', () => {
  assert.equal(
    encodeLayerRecord({ op: 'link', id: 18446744073709551615n, at: { parent: 2n, name: 'x' } }),
    '{"op":"link","id":"18446744073709551615","at":{"parent":"2","name":"x"}}\n',
  );
});

const bad: ReadonlyArray<[string, string]> = [
  ['a torn last line', '{"op":"link","id":"5","at":{"par'],
  ['not an object', '"x"'],
  ['unknown op', '{"op":"chmod","id":"1"}'],
  ['id as a JSON number', '{"op":"forget","id":5}'],
  ['id above 2^64', '{"op":"forget","id":"18446744073709551616"}'],
  ['name with a slash', '{"op":"whiteout","at":{"parent":"2","name":"a/b"}}'],
  ['name ".."', '{"op":"whiteout","at":{"parent":"2","name":".."}}'],
  ['name over 255 bytes', `{"op":"whiteout","at":{"parent":"2","name":"${'é'.repeat(128)}"}}`],
  ['unknown file type', '{"op":"meta","id":"1","meta":{"type":"door","mode":420,"uid":0,"gid":0}}'],
  ['mode with type bits', '{"op":"meta","id":"1","meta":{"type":"reg","mode":33188,"uid":0,"gid":0}}'],
  ['negative uid', '{"op":"meta","id":"1","meta":{"type":"reg","mode":420,"uid":-1,"gid":0}}'],
  ['data other than true', '{"op":"meta","id":"1","meta":{"type":"reg","mode":420,"uid":0,"gid":0,"data":1}}'],
  ['exclusive verifier not 8 bytes of hex', '{"op":"meta","id":"1","meta":{"type":"reg","mode":420,"uid":0,"gid":0,"exclusive":"abc"}}'],
  ['a record op no longer written', '{"op":"redirect","dir":"4","goldenPath":"etc"}'],
];
for (const [name, line] of bad) {
  test(`refused: ${name}`, () => {
    const decoded = decodeLayerRecord(line);
    assert.equal(decoded.ok, false);
  });
}

test('a group of records is one line and comes back whole; a single record is written bare', () => {
  const group: LayerRecord[] = [
    { op: 'unlink', id: 9n, at: { parent: 2n, name: 'a' } },
    { op: 'whiteout', at: { parent: 2n, name: 'b' } },
    { op: 'link', id: 9n, at: { parent: 3n, name: 'b' } },
  ];
  const line = encodeLayerGroup(group);
  assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'));
  assert.deepEqual(decodeLayerLine(line), { ok: true, records: group });
  assert.equal(encodeLayerGroup([group[0]!]), encodeLayerRecord(group[0]!));
  assert.deepEqual(decodeLayerLine(encodeLayerRecord(group[0]!)), { ok: true, records: [group[0]] });
});

test('groups refused: empty, too large, torn, or one bad record spoils the whole group', () => {
  assert.equal(decodeLayerLine('[]').ok, false);
  const many = Array.from({ length: MAX_GROUP + 1 }, () => ({ op: 'forget', id: '1' }));
  assert.equal(decodeLayerLine(JSON.stringify(many)).ok, false);
  assert.equal(decodeLayerLine('[{"op":"forget","id":"1"},{"op":"forg').ok, false);
  assert.equal(decodeLayerLine('[{"op":"forget","id":"1"},{"op":"forget","id":1}]').ok, false);
});
