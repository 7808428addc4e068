// READDIR and READDIRPLUS replies cut to the client's limits (RFC 1813 §3.3.16-17): computed sizes equal the
// encoded ones, a reply never exceeds count or maxcount, it holds as many entries as fit, eof goes out only
// when every entry did, and TOOSMALL when none can.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XdrReader } from '../../src/rpc/xdr-reader.js';
import { XdrWriter } from '../../src/rpc/xdr-writer.js';
import {
  decodeReaddirplusRes,
  decodeReaddirRes,
  encodeReaddirplusRes,
  encodeReaddirRes,
  entry3Size,
  entryplus3Size,
} from '../../src/nfs/nfs3-readdir.js';
import type { Entry3, Entryplus3, ReaddirplusRes, ReaddirRes } from '../../src/nfs/nfs3-readdir.js';
import { Nfs3Status } from '../../src/nfs/nfs3-status.js';
import type { PostOpAttr } from '../../src/nfs/nfs3-types.js';
import { randomInt, seededRandom } from '../support/seeded-random.js';
import type { Random } from '../support/seeded-random.js';
import { fattr, fh, verf } from './nfs3-samples.js';

const entry = (i: number, nameLength = 5): Entry3 => ({ fileid: BigInt(i + 100), name: `n${i}`.padEnd(nameLength, 'x'), cookie: BigInt(i + 1) });
const plus = (e: Entry3, withAttrs = true): Entryplus3 => ({ ...e, nameAttributes: withAttrs ? fattr : null, nameHandle: withAttrs ? fh(e.name.length, 32) : null });

const dir = (entries: Entry3[], eof = true, dirAttributes: PostOpAttr = fattr): ReaddirRes => ({ status: Nfs3Status.ok, dirAttributes, cookieverf: verf(1), entries, eof });
const dirPlus = (entries: Entryplus3[], eof = true): ReaddirplusRes => ({ status: Nfs3Status.ok, dirAttributes: fattr, cookieverf: verf(1), entries, eof });

// 4 status + 88 dir_attributes + 8 cookieverf + 4 end of list + 4 eof
const HEADER = 108;

function encodeSize(write: (w: XdrWriter) => void): number {
  const w = new XdrWriter();
  write(w);
  return w.length;
}

test('computed entry sizes equal the encoded sizes, for every name length and attribute arm', () => {
  for (let length = 0; length <= 255; length++) {
    const e = entry(1, length);
    const names = { ...e, name: 'é'.repeat(length >> 1) };
    for (const x of [e, names]) {
      const empty = encodeSize((w) => encodeReaddirRes(w, dir([])));
      assert.equal(encodeSize((w) => encodeReaddirRes(w, dir([x]))) - empty, entry3Size(x));
      for (const p of [plus(x), plus(x, false)]) {
        const emptyPlus = encodeSize((w) => encodeReaddirplusRes(w, dirPlus([])));
        assert.equal(encodeSize((w) => encodeReaddirplusRes(w, dirPlus([p]))) - emptyPlus, entryplus3Size(p));
      }
    }
  }
});

// Each entry3 with a 5-byte name takes 4 + 8 + (4 + 8) + 8 = 32 bytes.
const readdirTable: { count: number; entries: number; eof: boolean; status: number; why: string }[] = [
  { count: Infinity, entries: 10, eof: true, status: Nfs3Status.ok, why: 'no limit: everything, eof' },
  { count: HEADER + 320, entries: 10, eof: true, status: Nfs3Status.ok, why: 'exactly fits all ten' },
  { count: HEADER + 319, entries: 9, eof: false, status: Nfs3Status.ok, why: 'one byte short of ten' },
  { count: HEADER + 32, entries: 1, eof: false, status: Nfs3Status.ok, why: 'exactly one' },
  { count: HEADER + 31, entries: 0, eof: false, status: Nfs3Status.toosmall, why: 'not even one entry' },
  { count: 50, entries: 0, eof: false, status: Nfs3Status.toosmall, why: 'not even the header' },
];

for (const row of readdirTable) {
  test(`READDIR cut to count ${row.count}: ${row.why}`, () => {
    const entries = Array.from({ length: 10 }, (_, i) => entry(i));
    const w = new XdrWriter();
    const written = encodeReaddirRes(w, dir(entries), row.count);
    assert.deepEqual(written, { status: row.status, entries: row.entries, eof: row.eof });
    assert.ok(w.length <= row.count, `${w.length} bytes within ${row.count}`);
    const back = decodeReaddirRes(new XdrReader(w.toBuffer()));
    assert.equal(back.status, row.status);
    if (back.status === Nfs3Status.ok) {
      assert.deepEqual(back.entries, entries.slice(0, row.entries));
      assert.equal(back.eof, row.eof);
    } else {
      // TOOSMALL keeps the directory's attributes when they fit, drops them when even they do not.
      assert.equal(back.dirAttributes === null, row.count < 4 + 88);
    }
  });
}

test('READDIR: an empty directory fits in the header alone; eof follows what the server said', () => {
  assert.deepEqual(encodeReaddirRes(new XdrWriter(), dir([]), HEADER), { status: Nfs3Status.ok, entries: 0, eof: true });
  assert.deepEqual(encodeReaddirRes(new XdrWriter(), dir([entry(1)], false), Infinity), { status: Nfs3Status.ok, entries: 1, eof: false });
  assert.deepEqual(encodeReaddirRes(new XdrWriter(), dir([entry(1)], true, null), 4 + 4 + 8 + 8 + 32), { status: Nfs3Status.ok, entries: 1, eof: true });
  const failed: ReaddirRes = { status: Nfs3Status.badCookie, dirAttributes: null };
  assert.deepEqual(encodeReaddirRes(new XdrWriter(), failed, 10), { status: Nfs3Status.badCookie, entries: 0, eof: false });
});

// entryplus3 with a 5-byte name, attributes and a 32-byte handle: 32 + 88 + 4 + 36 = 160 bytes; dir part 32.
const plusTable: { dircount: number; maxcount: number; entries: number; eof: boolean; status: number; why: string }[] = [
  { dircount: 4096, maxcount: HEADER + 1600, entries: 10, eof: true, status: Nfs3Status.ok, why: 'both limits roomy' },
  { dircount: 4096, maxcount: HEADER + 1599, entries: 9, eof: false, status: Nfs3Status.ok, why: 'maxcount one byte short' },
  { dircount: 32 * 4, maxcount: 65536, entries: 4, eof: false, status: Nfs3Status.ok, why: 'dircount holds four' },
  { dircount: 32 * 4 - 1, maxcount: 65536, entries: 3, eof: false, status: Nfs3Status.ok, why: 'dircount one byte short of four' },
  { dircount: 0, maxcount: 65536, entries: 1, eof: false, status: Nfs3Status.ok, why: 'dircount 0: the first entry still goes' },
  { dircount: 4096, maxcount: HEADER + 159, entries: 0, eof: false, status: Nfs3Status.toosmall, why: 'maxcount below one entry' },
];

for (const row of plusTable) {
  test(`READDIRPLUS cut to dircount ${row.dircount}, maxcount ${row.maxcount}: ${row.why}`, () => {
    const entries = Array.from({ length: 10 }, (_, i) => plus(entry(i)));
    assert.equal(entryplus3Size(entries[0]!), 160);
    const w = new XdrWriter();
    const written = encodeReaddirplusRes(w, dirPlus(entries), { dircount: row.dircount, maxcount: row.maxcount });
    assert.deepEqual(written, { status: row.status, entries: row.entries, eof: row.eof });
    assert.ok(w.length <= row.maxcount);
    const back = decodeReaddirplusRes(new XdrReader(w.toBuffer()));
    if (back.status === Nfs3Status.ok) assert.deepEqual(back.entries, entries.slice(0, row.entries));
  });
}

function randomDir(random: Random): Entryplus3[] {
  return Array.from({ length: randomInt(random, 40) }, (_, i) => plus(entry(i, randomInt(random, 256)), random() < 0.7));
}

test('2,000 seeded directories and limits: never over the limits, as many entries as fit, eof only when all did', () => {
  const random = seededRandom(0x5eed_d1e5);
  for (let round = 0; round < 2000; round++) {
    const entries = randomDir(random);
    const serverEof = random() < 0.5;
    const maxcount = HEADER + randomInt(random, 8000);
    const dircount = randomInt(random, 4000);
    const w = new XdrWriter();
    const written = encodeReaddirplusRes(w, dirPlus(entries, serverEof), { dircount, maxcount });
    assert.ok(w.length <= maxcount, `round ${round}: ${w.length} > ${maxcount}`);
    const n = written.entries;
    assert.equal(written.eof, serverEof && n === entries.length, `round ${round}: eof`);
    if (written.status === Nfs3Status.toosmall) {
      assert.ok(entries.length > 0 && HEADER + entryplus3Size(entries[0]!) > maxcount, `round ${round}: TOOSMALL only when nothing fits`);
      continue;
    }
    const dirBytes = entries.slice(0, n).reduce((sum, e) => sum + entry3Size(e), 0);
    assert.ok(n <= 1 || dirBytes <= dircount, `round ${round}: dircount`);
    const next = entries[n];
    if (next !== undefined) {
      const overMax = w.length + entryplus3Size(next) > maxcount;
      const overDir = n > 0 && dirBytes + entry3Size(next) > dircount;
      assert.ok(overMax || overDir, `round ${round}: entry ${n} would have fitted`);
    }
    // And READDIR over the same names, with the same count.
    const r = new XdrWriter();
    const plain = encodeReaddirRes(r, dir(entries, serverEof), maxcount);
    assert.ok(r.length <= maxcount);
    assert.equal(plain.eof, serverEof && plain.entries === entries.length);
  }
});
