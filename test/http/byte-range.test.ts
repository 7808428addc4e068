import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRange, type RangeResult } from '../../src/http/byte-range.js';

const whole: RangeResult = { kind: 'whole' };
const none: RangeResult = { kind: 'unsatisfiable' };
const part = (start: number, end: number): RangeResult => ({ kind: 'partial', start, end });

// RFC 9110 §14.1.2 byte ranges against a 100-byte file unless `size` says otherwise.
const cases: readonly { header: string | undefined; size?: number; expect: RangeResult }[] = [
  { header: undefined, expect: whole },
  { header: 'bytes=0-99', expect: part(0, 99) },
  { header: 'bytes=0-0', expect: part(0, 0) },
  { header: 'bytes=10-19', expect: part(10, 19) },
  { header: 'bytes=99-99', expect: part(99, 99) },
  { header: ' bytes=10-19 ', expect: part(10, 19) },
  // Open ranges run to the end.
  { header: 'bytes=0-', expect: part(0, 99) },
  { header: 'bytes=42-', expect: part(42, 99) },
  { header: 'bytes=99-', expect: part(99, 99) },
  // A last position beyond the end is cut to the end.
  { header: 'bytes=90-200', expect: part(90, 99) },
  { header: 'bytes=0-99999999999999999999', expect: part(0, 99) },
  // Suffix ranges: the last N bytes, or the whole file when N is larger.
  { header: 'bytes=-10', expect: part(90, 99) },
  { header: 'bytes=-1', expect: part(99, 99) },
  { header: 'bytes=-100', expect: part(0, 99) },
  { header: 'bytes=-500', expect: part(0, 99) },
  { header: 'bytes=-0', expect: none },
  // Starting at or beyond the end, or backwards: nothing to send.
  { header: 'bytes=100-', expect: none },
  { header: 'bytes=100-200', expect: none },
  { header: 'bytes=99999999999999999999-', expect: none },
  { header: 'bytes=20-10', expect: none },
  // Several ranges, other units and junk: ignored, the whole file is sent.
  { header: 'bytes=0-1,5-6', expect: whole },
  { header: 'bytes=0-1, 5-6', expect: whole },
  { header: 'bytes=-', expect: whole },
  { header: 'bytes=', expect: whole },
  { header: '', expect: whole },
  { header: 'items=0-1', expect: whole },
  { header: 'bytes=a-b', expect: whole },
  { header: 'bytes=0x10-20', expect: whole },
  { header: 'bytes=-1-2', expect: whole },
  { header: 'bytes 0-1', expect: whole },
  { header: 'bytes=1.5-2', expect: whole },
  // A zero-length file has no byte to point at.
  { header: undefined, size: 0, expect: whole },
  { header: 'bytes=0-', size: 0, expect: none },
  { header: 'bytes=-5', size: 0, expect: none },
  { header: 'bytes=0-0', size: 1, expect: part(0, 0) },
  { header: 'bytes=-5', size: 1, expect: part(0, 0) },
];

for (const c of cases) {
  test(`parseRange(${JSON.stringify(c.header)}, ${c.size ?? 100})`, () => {
    assert.deepEqual(parseRange(c.header, c.size ?? 100), c.expect);
  });
}
