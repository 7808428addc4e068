// File sources for the TFTP server: folder roots (containment, case-tolerance), buffers, netascii, read-ahead.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bufferFile } from '../../src/tftp/buffer-file.js';
import { filenameText } from '../../src/tftp/filename.js';
import type { TftpFile, TftpOpenResult } from '../../src/tftp/files.js';
import { folderFiles } from '../../src/tftp/folder-files.js';
import { netasciiFile } from '../../src/tftp/netascii-file.js';
import { createReadAhead } from '../../src/tftp/read-ahead.js';

const client = { address: '127.0.0.1', port: 40000 };

function tree(t: { after: (fn: () => void) => void }): { a: string; b: string; outside: string } {
  const top = mkdtempSync(join(tmpdir(), 'bramble-tftp-files-'));
  t.after(() => rmSync(top, { recursive: true, force: true }));
  const a = join(top, 'a');
  const b = join(top, 'b');
  const outside = join(top, 'outside');
  for (const dir of [a, b, outside, join(a, 'EFI', 'BOOT'), join(a, 'pxelinux.cfg'), join(b, 'only-b')]) {
    mkdirSync(dir, { recursive: true });
  }
  writeFileSync(join(a, 'undionly.kpxe'), 'from a');
  writeFileSync(join(b, 'undionly.kpxe'), 'from b');
  writeFileSync(join(b, 'only-b', 'file.bin'), 'only in b');
  writeFileSync(join(a, 'EFI', 'BOOT', 'BOOTX64.EFI'), 'efi loader');
  writeFileSync(join(a, 'pxelinux.cfg', 'default'), 'menu');
  writeFileSync(join(a, 'Mixed.Case'), 'exact');
  writeFileSync(join(a, 'mixed.case'), 'lower');
  writeFileSync(join(outside, 'secret'), 'secret');
  symlinkSync(join(outside, 'secret'), join(a, 'escape'));
  symlinkSync(outside, join(a, 'escape-dir'));
  symlinkSync(join(a, 'pxelinux.cfg', 'default'), join(a, 'inside-link'));
  symlinkSync(join(a, 'missing-target'), join(a, 'dangling'));
  return { a, b, outside };
}

async function content(result: TftpOpenResult): Promise<string> {
  assert.equal(result.ok, true, JSON.stringify(result));
  if (!result.ok) return '';
  const buf = Buffer.alloc(result.file.size);
  const n = await result.file.read(buf, 0);
  await result.file.close();
  return buf.subarray(0, n).toString();
}

test('folderFiles: the first root holding the path wins; later roots fill in', async (t) => {
  const { a, b } = tree(t);
  const files = folderFiles([a, b]);
  assert.equal(await content(await files.open('undionly.kpxe', client)), 'from a');
  assert.equal(await content(await files.open('only-b/file.bin', client)), 'only in b');
  assert.equal(await content(await folderFiles([b, a]).open('undionly.kpxe', client)), 'from b');
});

test('folderFiles: leading slashes and backslashes are separators', async (t) => {
  const { a } = tree(t);
  const files = folderFiles([a]);
  assert.equal(await content(await files.open('/pxelinux.cfg/default', client)), 'menu');
  assert.equal(await content(await files.open('pxelinux.cfg\\default', client)), 'menu');
  assert.equal(await content(await files.open('\\EFI\\BOOT\\BOOTX64.EFI', client)), 'efi loader');
});

test('folderFiles: case-insensitive match per segment when the exact name is missing; exact wins', async (t) => {
  const { a } = tree(t);
  const files = folderFiles([a]);
  assert.equal(await content(await files.open('efi/boot/bootx64.efi', client)), 'efi loader');
  assert.equal(await content(await files.open('PXELINUX.CFG/DEFAULT', client)), 'menu');
  assert.equal(await content(await files.open('Mixed.Case', client)), 'exact');
  assert.equal(await content(await files.open('mixed.case', client)), 'lower');
  assert.equal(await content(await files.open('MIXED.CASE', client)), 'exact', 'first in sorted order');
});

const refusals: ReadonlyArray<{ readonly path: string; readonly code: 'not-found' | 'access-denied' }> = [
  { path: '../outside/secret', code: 'access-denied' },
  { path: 'pxelinux.cfg/../../outside/secret', code: 'access-denied' },
  { path: '..\\..\\outside\\secret', code: 'access-denied' },
  { path: '..', code: 'access-denied' },
  { path: 'escape', code: 'access-denied' },
  { path: 'ESCAPE', code: 'access-denied' },
  { path: 'escape-dir/secret', code: 'access-denied' },
  { path: '/etc/passwd', code: 'not-found' },
  { path: 'missing.bin', code: 'not-found' },
  { path: 'dangling', code: 'not-found' },
  { path: 'pxelinux.cfg', code: 'access-denied' },
  { path: '/', code: 'not-found' },
  { path: 'file\0name', code: 'access-denied' },
];

for (const { path, code } of refusals) {
  test(`folderFiles: ${JSON.stringify(path)} is refused as ${code}`, async (t) => {
    const { a } = tree(t);
    const result = await folderFiles([a]).open(path, client);
    assert.equal(result.ok, false);
    if (!result.ok) assert.equal(result.code, code);
  });
}

test('folderFiles: a symlink that stays inside the root is followed', async (t) => {
  const { a } = tree(t);
  assert.equal(await content(await folderFiles([a]).open('inside-link', client)), 'menu');
});

test('folderFiles: a root that does not exist holds nothing', async (t) => {
  const { a } = tree(t);
  assert.equal(await content(await folderFiles([join(a, 'nope'), a]).open('undionly.kpxe', client)), 'from a');
});

test('folderFiles: reads are positional and honour the position', async (t) => {
  const { a } = tree(t);
  const result = await folderFiles([a]).open('pxelinux.cfg/default', client);
  assert.equal(result.ok, true);
  if (!result.ok) return;
  const buf = Buffer.alloc(2);
  assert.equal(await result.file.read(buf, 2), 2);
  assert.equal(buf.toString(), 'nu');
  assert.equal(await result.file.read(buf, 4), 0);
  await result.file.close();
});

test('bufferFile: size, positional reads, reads past the end', async () => {
  const file = bufferFile(new TextEncoder().encode('#!ipxe\nchain x\n'));
  assert.equal(file.size, 15);
  const buf = Buffer.alloc(5);
  assert.equal(await file.read(buf, 7), 5);
  assert.equal(buf.toString(), 'chain');
  assert.equal(await file.read(buf, 13), 2);
  assert.equal(await file.read(buf, 15), 0);
  await file.close();
});

test('bufferFile: a view into a larger buffer serves only the view', async () => {
  const whole = Buffer.from('xxABCDyy');
  const file = bufferFile(whole.subarray(2, 6));
  const buf = Buffer.alloc(8);
  assert.equal(await file.read(buf, 0), 4);
  assert.equal(buf.subarray(0, 4).toString(), 'ABCD');
});

test('filenameText: UTF-8 octets become text, other octets stay as they are', () => {
  assert.equal(filenameText('pxelinux.0'), 'pxelinux.0');
  assert.equal(filenameText(Buffer.from('café.cfg', 'utf8').toString('latin1')), 'café.cfg');
  assert.equal(filenameText('caf\u00e9'), 'caf\u00e9', 'a lone latin1 é is not valid UTF-8');
});

/** RFC 1350 netascii as tftpd-hpa produces it: LF -> CR LF, CR -> CR NUL. */
function referenceNetascii(raw: Buffer): Buffer {
  const out: number[] = [];
  for (const b of raw) {
    if (b === 0x0a) out.push(0x0d, 0x0a);
    else if (b === 0x0d) out.push(0x0d, 0x00);
    else out.push(b);
  }
  return Buffer.from(out);
}

test('netasciiFile: size and content match the conversion, read at every odd offset', async () => {
  const raw = Buffer.from('line one\nline two\r\nbare\rcr\n\n\nend');
  const file = await netasciiFile(bufferFile(raw));
  const expected = referenceNetascii(raw);
  assert.equal(file.size, expected.length);
  for (let position = 0; position < expected.length; position++) {
    for (const length of [1, 2, 3, 7]) {
      const buf = Buffer.alloc(length);
      const n = await file.read(buf, position);
      assert.deepEqual(buf.subarray(0, n), expected.subarray(position, position + length), `at ${position} len ${length}`);
    }
  }
});

test('netasciiFile: a file spanning many 64 KiB scan chunks reads back identically in blocks', async () => {
  const raw = Buffer.alloc(300_000);
  for (let i = 0; i < raw.length; i++) raw[i] = i % 37 === 0 ? 0x0a : i % 101 === 0 ? 0x0d : 0x41 + (i % 26);
  const file = await netasciiFile(bufferFile(raw));
  const expected = referenceNetascii(raw);
  assert.equal(file.size, expected.length);
  const got: Buffer[] = [];
  for (let at = 0; at < file.size; at += 1468) {
    const buf = Buffer.alloc(1468);
    const n = await file.read(buf, at);
    got.push(buf.subarray(0, n));
  }
  assert.deepEqual(Buffer.concat(got), expected);
});

/** A file that records every read, to prove reads are bounded and positional. */
function spyFile(data: Buffer): { file: TftpFile; reads: Array<{ position: number; length: number }> } {
  const inner = bufferFile(data);
  const reads: Array<{ position: number; length: number }> = [];
  return {
    reads,
    file: {
      size: inner.size,
      read: (into, position) => {
        reads.push({ position, length: into.length });
        return inner.read(into, position);
      },
      close: () => inner.close(),
    },
  };
}

test('read-ahead: blocks across chunk boundaries come out right, with few bounded reads', async () => {
  const data = Buffer.alloc(1_000_003);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 9)) & 0xff;
  const { file, reads } = spyFile(data);
  const blksize = 1468;
  const reader = createReadAhead(file, data.length, blksize, 16);
  const out = Buffer.alloc(blksize + 10);
  const blocks = Math.floor(data.length / blksize) + 1;
  for (let block = 1; block <= blocks; block++) {
    let n = reader.copyBlock(block, out, 10);
    if (n < 0) {
      await reader.ensure(block);
      n = reader.copyBlock(block, out, 10);
    }
    const from = (block - 1) * blksize;
    assert.deepEqual(out.subarray(10, 10 + n), data.subarray(from, from + blksize), `block ${block}`);
    reader.prefetchAfter(block);
  }
  assert.ok(reads.every((r) => r.length <= 128 * 1024), 'no read larger than a chunk');
  assert.ok(reads.length <= Math.ceil(data.length / (45 * blksize)) + 2, `${reads.length} reads`);
});

test('read-ahead: prefetching never evicts blocks a rewind may still need', async () => {
  // 512-byte blocks, 128 per chunk: blocks 1-128 in chunk 0, 129-256 in chunk 1, 257-384 in chunk 2.
  const data = Buffer.alloc(200_000, 7);
  data.writeUInt32BE(0xdeadbeef, 512 * 127);
  const reader = createReadAhead(bufferFile(data), data.length, 512, 4);
  await reader.ensure(127);
  await reader.ensure(130);
  reader.prefetchAfter(128); // the window starts at 128: chunk 0 must stay
  await reader.ensure(129);
  const out = Buffer.alloc(512);
  assert.equal(reader.copyBlock(128, out, 0), 512);
  assert.equal(out.readUInt32BE(0), 0xdeadbeef);
  reader.prefetchAfter(129); // now nothing before 129 is needed: chunk 2 may take chunk 0's slot
  await reader.ensure(257);
  assert.equal(reader.copyBlock(128, out, 0), -1);
  assert.equal(reader.copyBlock(200, out, 0), 512);
});

test('read-ahead: a file that shrank under the transfer is an error with a code', async () => {
  const short = bufferFile(Buffer.alloc(1000));
  const reader = createReadAhead(short, 5000, 512, 1);
  await assert.rejects(reader.ensure(1), (error: Error & { code?: string }) => error.code === 'file-changed');
});

test('read-ahead: an empty file has one empty block', async () => {
  const reader = createReadAhead(bufferFile(Buffer.alloc(0)), 0, 512, 1);
  await reader.ensure(1);
  assert.equal(reader.copyBlock(1, Buffer.alloc(516), 4), 0);
});
