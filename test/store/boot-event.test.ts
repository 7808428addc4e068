import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkBootEvent, decodeBootEventLine, encodeBootEventLine, type BootEvent } from '../../src/store/boot-event.js';

const good: BootEvent = {
  time: '2024-05-01T10:00:00.000Z',
  mac: '52:54:00:12:34:56',
  stage: 'tftp',
  detail: 'undionly.kpxe sent',
  fields: { bytes: 70186, blksize: 1432, windowed: false, client: '198.18.0.23' },
};

test('a valid event comes back as a frozen copy with only the known fields', () => {
  const input = { ...good, extra: 'dropped', fields: { ...good.fields } };
  const checked = checkBootEvent(input);
  assert.ok(checked.ok);
  assert.deepEqual(checked.event, good);
  assert.ok(Object.isFrozen(checked.event) && Object.isFrozen(checked.event.fields));
  input.fields.bytes = 1;
  assert.equal(checked.event.fields?.bytes, 70186, 'later edits to the input do not reach the copy');
});

const macForms: readonly [string, string][] = [
  ['52:54:00:12:34:56', '52:54:00:12:34:56'],
  ['52-54-00-AB-CD-EF', '52:54:00:ab:cd:ef'],
  ['525400ABCDEF', '52:54:00:ab:cd:ef'],
];
for (const [given, stored] of macForms) {
  test(`the MAC ${given} is stored as ${stored}`, () => {
    const checked = checkBootEvent({ ...good, mac: given });
    assert.ok(checked.ok);
    assert.equal(checked.event.mac, stored);
  });
}

test('an event without fields stays without fields', () => {
  const { fields: _ignored, ...bare } = good;
  const checked = checkBootEvent(bare);
  assert.ok(checked.ok);
  assert.deepEqual(checked.event, bare);
  assert.equal('fields' in checked.event, false);
});

const bad: readonly [string, unknown, string][] = [
  ['null', null, 'not an object'],
  ['a string', 'event', 'not an object'],
  ['no time', { ...good, time: undefined }, 'bad time'],
  ['a time that is not a date', { ...good, time: 'yesterday' }, 'bad time'],
  ['a numeric time', { ...good, time: 1714557600000 }, 'bad time'],
  ['no mac', { ...good, mac: undefined }, 'bad mac'],
  ['a short mac', { ...good, mac: '52:54:00:12:34' }, 'bad mac'],
  ['an unknown stage', { ...good, stage: 'bios' }, 'bad stage'],
  ['a numeric detail', { ...good, detail: 7 }, 'bad detail'],
  ['fields as an array', { ...good, fields: ['a'] }, 'bad fields'],
  ['fields as null', { ...good, fields: null }, 'bad fields'],
  ['a nested field', { ...good, fields: { nested: { a: 1 } } }, 'bad fields'],
  ['a NaN field', { ...good, fields: { bytes: Number.NaN } }, 'bad fields'],
  ['a null field', { ...good, fields: { bytes: null } }, 'bad fields'],
];
for (const [name, value, reason] of bad) {
  test(`rejected: ${name}`, () => {
    assert.deepEqual(checkBootEvent(value), { ok: false, reason });
  });
}

test('one event is one line, and the line decodes back to the same event', () => {
  const line = encodeBootEventLine(good);
  assert.equal(line.indexOf('\n'), line.length - 1);
  const decoded = decodeBootEventLine(line.trimEnd());
  assert.ok(decoded.ok);
  assert.deepEqual(decoded.event, good);
});

test('a detail with newlines still encodes to a single line', () => {
  const line = encodeBootEventLine({ ...good, detail: 'two\nlines' });
  assert.equal(line.split('\n').length, 2);
  const decoded = decodeBootEventLine(line.trimEnd());
  assert.ok(decoded.ok);
  assert.equal(decoded.event.detail, 'two\nlines');
});

const badLines: readonly [string, string, string][] = [
  ['a torn line', encodeBootEventLine(good).slice(0, 40), 'invalid JSON'],
  ['an empty object', '{}', 'bad time'],
  ['a JSON array', '[1,2]', 'bad time'],
  ['plain text', 'hello', 'invalid JSON'],
];
for (const [name, line, reason] of badLines) {
  test(`decode rejects ${name}`, () => {
    assert.deepEqual(decodeBootEventLine(line), { ok: false, reason });
  });
}
