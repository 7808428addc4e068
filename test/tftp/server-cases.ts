// TFTP server cases on loopback (RFC 1350, 2347-2349, 7440) with real clients and scripted firmware habits, run
// once per data pump by server-native.test.ts and server-js.test.ts.
//
// atftp, curl, busybox: byte-identical fetches, rollover, traversal and WRQ refusals, TIDs, probes, shutdown.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test as nodeTest } from 'node:test';
import type { TestContext } from 'node:test';
import { encodeTftp } from '../../src/tftp/codec.js';
import type { TftpOption, TftpPacket } from '../../src/tftp/codec.js';
import type { TftpFile, TftpFiles } from '../../src/tftp/files.js';
import { folderFiles } from '../../src/tftp/folder-files.js';
import { requireTool } from '../support/require-tool.js';
import { rawClient } from './raw-client.js';
import type { RawClient, Received } from './raw-client.js';
import { BIG_SIZE, makeRoot, runClient, sha256, sha256File, startServer } from './server-harness.js';
import type { Engine, Harness, TestRoot } from './server-harness.js';

export function serverCases(engine: Engine): void {
  // Every case names its engine, so a failure says which pump it was.
  const test = (name: string, fn: (t: TestContext) => Promise<void> | void): void => {
    nodeTest(`[${engine}] ${name}`, fn);
  };
  let root: TestRoot;
  before(() => {
    root = makeRoot({ big: true });
  });
  after(() => root.remove());

  const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'tftp');
  const fixture = (file: string): Buffer => readFileSync(join(FIXTURES, file));

  async function server(t: TestContext, options: Parameters<typeof startServer>[1] = {}, files?: TftpFiles): Promise<Harness> {
    const harness = await startServer(files ?? root.root, { engine, ...options });
    t.after(() => harness.stop());
    return harness;
  }

  async function client(t: TestContext): Promise<RawClient> {
    const c = await rawClient();
    t.after(() => c.close());
    return c;
  }

  /** The test root's files, each handed to the server through `wrap`. */
  function rootFilesAs(wrap: (file: TftpFile) => TftpFile): TftpFiles {
    const inner = folderFiles([root.root]);
    return {
      open: async (path, who) => {
        const opened = await inner.open(path, who);
        return opened.ok ? { ok: true, file: wrap(opened.file) } : opened;
      },
    };
  }

  function outDir(): string {
    return mkdtempSync(join(root.top, 'out-'));
  }

  const rrq = (filename: string, options: ReadonlyArray<[string, string]> = [], mode = 'octet'): Buffer =>
    encodeTftp({ kind: 'rrq', filename, mode, options: options.map(([name, value]) => ({ name, value })) });
  const ackOf = (block: number): Buffer => encodeTftp({ kind: 'ack', block });

  function expectKind<K extends TftpPacket['kind']>(r: Received | null, kind: K): Extract<TftpPacket, { kind: K }> {
    assert.ok(r !== null, `expected ${kind}, got nothing`);
    assert.equal(r.packet.kind, kind, `expected ${kind}, got ${JSON.stringify(r.packet)}`);
    return r.packet as Extract<TftpPacket, { kind: K }>;
  }

  const optionMap = (options: readonly TftpOption[]): Record<string, string> =>
    Object.fromEntries(options.map((o) => [o.name.toLowerCase(), o.value]));

  // ---------- real clients, byte-identical ----------

  test('atftp blksize 1468 windowsize 16 fetches 32 MiB byte-identical', async (t) => {
    if (!requireTool(t, 'atftp', 'atftp')) return;
    const h = await server(t);
    const out = join(outDir(), 'big.bin');
    const run = await runClient(['atftp', '--option', 'blksize 1468', '--option', 'windowsize 16', '-g', '-r', 'big.bin', '-l', out, '127.0.0.1', String(h.port)]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(sha256File(out), root.sha['big.bin']);
    const [event] = await h.eventsAfter(1);
    assert.deepEqual(
      { outcome: event!.outcome, bytes: event!.bytes, blksize: event!.blksize, windowsize: event!.windowsize, path: event!.path },
      { outcome: 'complete', bytes: BIG_SIZE, blksize: 1468, windowsize: 16, path: 'big.bin' },
    );
  });

  test('curl fetches a file past block 65535 at blksize 512 (rollover) byte-identical and is told its tsize', async (t) => {
    if (!requireTool(t, 'curl', 'curl')) return;
    const h = await server(t);
    const out = join(outDir(), 'big.bin');
    const run = await runClient(['curl', '-v', '-s', '-o', out, `tftp://127.0.0.1:${h.port}/big.bin`]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, new RegExp(`tsize parsed from OACK \\(${BIG_SIZE}\\)`));
    assert.equal(sha256File(out), root.sha['big.bin']);
    const [event] = await h.eventsAfter(1);
    assert.equal(event!.outcome, 'complete');
    assert.equal(event!.blksize, 512);
    assert.ok(BIG_SIZE / 512 > 65_535);
  });

  test('busybox tftp fetches exact multiples of blksize (an empty last block) byte-identical', async (t) => {
    if (!requireTool(t, 'busybox', 'busybox-static')) return;
    const h = await server(t);
    const dir = outDir();
    for (const [name, blksize] of [
      ['exact512.bin', '512'],
      ['exact1468.bin', '1468'],
      ['medium.bin', '8192'],
    ] as const) {
      const out = join(dir, name);
      const run = await runClient(['busybox', 'tftp', '-g', '-r', name, '-l', out, '-b', blksize, '127.0.0.1', String(h.port)]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(sha256File(out), root.sha[name], name);
    }
    const events = await h.eventsAfter(3);
    assert.deepEqual(
      events.map((e) => [e.path, e.outcome, e.blksize]),
      [
        ['exact512.bin', 'complete', 512],
        ['exact1468.bin', 'complete', 1468],
        ['medium.bin', 'complete', 8192],
      ],
    );
  });

  test('busybox tftp crosses block 65535 at blksize 512 too', async (t) => {
    if (!requireTool(t, 'busybox', 'busybox-static')) return;
    const h = await server(t);
    const out = join(outDir(), 'big.bin');
    const run = await runClient(['busybox', 'tftp', '-g', '-r', 'big.bin', '-l', out, '127.0.0.1', String(h.port)]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(sha256File(out), root.sha['big.bin']);
  });

  test('a zero-length file reaches atftp, curl and busybox as an empty file', async (t) => {
    if (!requireTool(t, 'atftp', 'atftp') || !requireTool(t, 'curl', 'curl') || !requireTool(t, 'busybox', 'busybox-static')) return;
    const h = await server(t);
    const dir = outDir();
    const runs = [
      ['atftp', '-g', '-r', 'zero.bin', '-l', join(dir, 'a'), '127.0.0.1', String(h.port)],
      ['curl', '-s', '-o', join(dir, 'c'), `tftp://127.0.0.1:${h.port}/zero.bin`],
      ['busybox', 'tftp', '-g', '-r', 'zero.bin', '-l', join(dir, 'b'), '127.0.0.1', String(h.port)],
    ];
    for (const argv of runs) {
      const run = await runClient(argv);
      assert.equal(run.code, 0, `${argv[0]}: ${run.stderr}`);
    }
    for (const f of ['a', 'c', 'b']) assert.equal(statSync(join(dir, f)).size, 0, f);
    const events = await h.eventsAfter(3);
    assert.ok(events.every((e) => e.outcome === 'complete' && e.bytes === 0));
  });

  test('atftp windowsize 4 with timeout and tsize options on a 1 MB file', async (t) => {
    if (!requireTool(t, 'atftp', 'atftp')) return;
    const h = await server(t);
    const out = join(outDir(), 'medium.bin');
    const run = await runClient(['atftp', '--option', 'tsize', '--option', 'timeout 2', '--option', 'windowsize 4', '-g', '-r', 'medium.bin', '-l', out, '127.0.0.1', String(h.port)]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(sha256File(out), root.sha['medium.bin']);
    const [event] = await h.eventsAfter(1);
    assert.equal(event!.windowsize, 4);
  });

  test('case-insensitive lookup: curl asks BOOT/GRUB/grub.cfg and gets Boot/Grub/Grub.CFG', async (t) => {
    if (!requireTool(t, 'curl', 'curl')) return;
    const h = await server(t);
    const out = join(outDir(), 'grub.cfg');
    const run = await runClient(['curl', '-s', '-o', out, `tftp://127.0.0.1:${h.port}/BOOT/GRUB/grub.cfg`]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(sha256File(out), root.sha['Boot/Grub/Grub.CFG']);
  });

  test('netascii: curl gets LF as CR LF and CR as CR NUL, with the converted size as tsize', async (t) => {
    if (!requireTool(t, 'curl', 'curl')) return;
    const h = await server(t);
    const out = join(outDir(), 'menu.txt');
    const run = await runClient(['curl', '-v', '-s', '-o', out, `tftp://127.0.0.1:${h.port}/menu.txt;mode=netascii`]);
    assert.equal(run.code, 0, run.stderr);
    const expected = Buffer.from('line one\r\nline two\r\0\r\nbare\r\0cr\r\n', 'latin1');
    assert.deepEqual(readFileSync(out), expected);
    assert.match(run.stderr, new RegExp(`tsize parsed from OACK \\(${expected.length}\\)`));
  });

  // ---------- refusals ----------

  for (const path of ['../outside/secret', '/etc/passwd', '..\\..\\outside\\secret', 'escape', 'no-such-file']) {
    test(`refused with an ERROR and no file: atftp and busybox asking ${JSON.stringify(path)}`, async (t) => {
      if (!requireTool(t, 'atftp', 'atftp') || !requireTool(t, 'busybox', 'busybox-static')) return;
      const h = await server(t);
      const dir = outDir();
      const a = await runClient(['atftp', '-g', '-r', path, '-l', join(dir, 'a'), '127.0.0.1', String(h.port)]);
      assert.notEqual(a.code, 0);
      assert.match(a.stderr, /error received from server <(File not found|Access violation)>/);
      assert.equal(existsSync(join(dir, 'a')) ? statSync(join(dir, 'a')).size : 0, 0);
      const b = await runClient(['busybox', 'tftp', '-g', '-r', path, '-l', join(dir, 'b'), '127.0.0.1', String(h.port)]);
      assert.notEqual(b.code, 0);
      assert.match(b.stderr, /server error: \((1|2)\)/);
      assert.equal(existsSync(join(dir, 'b')), false);
      const events = await h.eventsAfter(2);
      const expected = path === '/etc/passwd' || path === 'no-such-file' ? 'not-found' : 'access-denied';
      assert.deepEqual(
        events.map((e) => e.outcome),
        [expected, expected],
      );
    });
  }

  test('the ERROR codes: 1 for missing, 2 for leaving the root, 4 for an unknown mode', async (t) => {
    const h = await server(t);
    const cases: Array<[Buffer, number]> = [
      [rrq('missing.bin'), 1],
      [rrq('../../etc/passwd'), 2],
      [rrq('escape'), 2],
      [rrq('small.txt', [], 'mail'), 4],
    ];
    for (const [request, code] of cases) {
      const c = await client(t);
      c.send(request, h.port);
      const error = expectKind(await c.next(), 'error');
      assert.equal(error.code, code);
    }
  });

  test('WRQ is refused with ERROR 2 for atftp, curl and busybox uploads', async (t) => {
    if (!requireTool(t, 'atftp', 'atftp') || !requireTool(t, 'curl', 'curl') || !requireTool(t, 'busybox', 'busybox-static')) return;
    const h = await server(t);
    const upload = join(root.top, 'upload.txt');
    const runs = [
      ['atftp', '-p', '-l', join(root.root, 'small.txt'), '-r', 'up.txt', '127.0.0.1', String(h.port)],
      ['curl', '-s', '-T', join(root.root, 'small.txt'), `tftp://127.0.0.1:${h.port}/up.txt`],
      ['busybox', 'tftp', '-p', '-l', join(root.root, 'small.txt'), '-r', 'up.txt', '127.0.0.1', String(h.port)],
    ];
    for (const argv of runs) {
      const run = await runClient(argv);
      assert.notEqual(run.code, 0, `${argv[0]} upload must fail`);
    }
    assert.equal(existsSync(join(root.root, 'up.txt')), false);
    assert.equal(existsSync(upload), false);
    const events = await h.eventsAfter(3);
    assert.deepEqual(
      events.map((e) => e.outcome),
      ['access-denied', 'access-denied', 'access-denied'],
    );
    const c = await client(t);
    c.send(fixture('atftp-put-0-wrq.bin'), h.port);
    const error = expectKind(await c.next(), 'error');
    assert.equal(error.code, 2);
    assert.equal(h.server.stats().requests, 4);
  });

  // ---------- protocol behaviour with a scripted client ----------

  test('tsize 0 is answered with the real size in the OACK, from a new port (TID)', async (t) => {
    const h = await server(t);
    const c = await client(t);
    c.send(rrq('medium.bin', [['tsize', '0'], ['blksize', '1428']]), h.port);
    const reply = await c.next();
    const oack = expectKind(reply, 'oack');
    assert.deepEqual(optionMap(oack.options), { tsize: '1000003', blksize: '1428' });
    assert.notEqual(reply!.from.port, h.port);
    c.send(encodeTftp({ kind: 'error', code: 0, message: 'done' }), reply!.from.port);
  });

  /** Reads a whole file as a well-behaved RFC 7440 client; returns the bytes. */
  async function fetchScripted(c: RawClient, blksize: number, windowsize: number, first: Received): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let transferPort = first.from.port;
    let expected = 1;
    let since = 0;
    let current: Received | null = first;
    if (current.packet.kind === 'oack') {
      c.send(ackOf(0), transferPort);
      current = await c.next();
    }
    for (;;) {
      const data = expectKind(current, 'data');
      transferPort = current!.from.port;
      assert.equal(data.block, expected & 0xffff);
      chunks.push(Buffer.from(data.data));
      expected++;
      since++;
      const last = data.data.length < blksize;
      if (since === windowsize || last) {
        c.send(ackOf((expected - 1) & 0xffff), transferPort);
        since = 0;
      }
      if (last) return Buffer.concat(chunks);
      current = await c.next();
    }
  }

  test('EDK2 habit replayed from the OVMF capture: OACK, ERROR 8, then the same file without tsize', async (t) => {
    const h = await server(t);
    const c = await client(t);
    c.send(fixture('ovmf-0-rrq.bin'), h.port);
    const first = await c.next();
    const oack = expectKind(first, 'oack');
    assert.deepEqual(optionMap(oack.options), { tsize: '40000', blksize: '1468', windowsize: '4' });
    c.send(fixture('ovmf-1-error.bin'), first!.from.port);
    const [probe] = await h.eventsAfter(1);
    assert.equal(probe!.outcome, 'aborted-after-oack');
    c.send(fixture('ovmf-2-rrq.bin'), h.port);
    const second = await c.next();
    assert.deepEqual(optionMap(expectKind(second, 'oack').options), { blksize: '1468', windowsize: '4' });
    const data = await fetchScripted(c, 1468, 4, second!);
    assert.equal(sha256(data), root.sha['ipxe.efi']);
    const events = await h.eventsAfter(2);
    assert.equal(events[1]!.outcome, 'complete');
    assert.equal(events[1]!.windowsize, 4);
    const probeLine = h.logs.find((l) => l.msg === 'tftp transfer' && l.outcome === 'aborted-after-oack');
    assert.equal(probeLine?.level, 'debug', 'a firmware probe is not an error');
  });

  test('Raspberry Pi habit: first block, then ERROR 0 "Early terminate" is a normal outcome', async (t) => {
    const h = await server(t);
    const c = await client(t);
    c.send(rrq('config.txt', [['tsize', '0'], ['blksize', '1024']]), h.port);
    const first = await c.next();
    const config = readFileSync(join(root.root, 'config.txt'));
    assert.deepEqual(optionMap(expectKind(first, 'oack').options), { tsize: String(config.length), blksize: '1024' });
    c.send(ackOf(0), first!.from.port);
    const data = expectKind(await c.next(), 'data');
    assert.deepEqual(Buffer.from(data.data), config);
    c.send(encodeTftp({ kind: 'error', code: 0, message: 'Early terminate' }), first!.from.port);
    const [event] = await h.eventsAfter(1);
    assert.equal(event!.outcome, 'aborted-after-oack');
  });

  test('iPXE ROM request replayed from the capture: blksize 1432 and tsize granted, file arrives intact', async (t) => {
    const h = await server(t);
    const c = await client(t);
    c.send(fixture('ipxe-rom-0-rrq.bin'), h.port);
    const first = await c.next();
    assert.deepEqual(optionMap(expectKind(first, 'oack').options), { blksize: '1432', tsize: '70000' });
    const data = await fetchScripted(c, 1432, 1, first!);
    assert.equal(sha256(data), root.sha['undionly.kpxe']);
    const [event] = await h.eventsAfter(1);
    assert.deepEqual([event!.outcome, event!.blksize, event!.bytes], ['complete', 1432, 70000]);
  });

  test('packets from an unknown TID get ERROR 5 and do not disturb the transfer', async (t) => {
    const h = await server(t);
    const c = await client(t);
    const stranger = await client(t);
    c.send(rrq('medium.bin', [['blksize', '1024']]), h.port);
    const first = await c.next();
    expectKind(first, 'oack');
    stranger.send(ackOf(0), first!.from.port);
    const refused = await stranger.next();
    assert.equal(expectKind(refused, 'error').code, 5);
    assert.equal(refused!.from.port, first!.from.port);
    const data = await fetchScripted(c, 1024, 1, first!);
    assert.equal(sha256(data), root.sha['medium.bin']);
    const [event] = await h.eventsAfter(1);
    assert.equal(event!.outcome, 'complete');
  });

  test('a duplicate ACK is not answered (no Sorcerer’s Apprentice); the next new ACK is', async (t) => {
    const h = await server(t, { timeoutMs: 10_000 });
    const c = await client(t);
    c.send(rrq('medium.bin'), h.port);
    const d1 = await c.next();
    assert.equal(expectKind(d1, 'data').block, 1);
    const port = d1!.from.port;
    c.send(ackOf(1), port);
    assert.equal(expectKind(await c.next(), 'data').block, 2);
    c.send(ackOf(1), port);
    c.send(ackOf(1), port);
    // The retransmission timer is 10 s, so anything arriving now would be an answer to the duplicates.
    assert.equal(await c.next(500), null);
    c.send(ackOf(2), port);
    assert.equal(expectKind(await c.next(), 'data').block, 3);
    c.send(encodeTftp({ kind: 'error', code: 0, message: 'enough' }), port);
    await h.eventsAfter(1);
    const [line] = h.logs.filter((l) => l.msg === 'tftp transfer');
    assert.equal(line!.duplicateAcks, 2);
    assert.equal(line!.retransmits, undefined, 'nothing was sent again');
  });

  test('window 4: an ACK for the second block rewinds the window to the third', async (t) => {
    const h = await server(t, { timeoutMs: 10_000 });
    const c = await client(t);
    c.send(rrq('medium.bin', [['blksize', '512'], ['windowsize', '4']]), h.port);
    const first = await c.next();
    expectKind(first, 'oack');
    c.send(ackOf(0), first!.from.port);
    const blocks: number[] = [];
    for (let i = 0; i < 4; i++) blocks.push(expectKind(await c.next(), 'data').block);
    assert.deepEqual(blocks, [1, 2, 3, 4]);
    c.send(ackOf(2), first!.from.port);
    const again: number[] = [];
    for (let i = 0; i < 4; i++) again.push(expectKind(await c.next(), 'data').block);
    assert.deepEqual(again, [3, 4, 5, 6]);
  });

  test('a lost packet is retransmitted with backoff, then the transfer times out', async (t) => {
    const h = await server(t, { timeoutMs: 100, retries: 2 });
    const c = await client(t);
    c.send(rrq('small.txt'), h.port);
    const copies: Buffer[] = [];
    for (;;) {
      const r = await c.next(3000);
      if (r === null) break;
      copies.push(r.bytes);
    }
    assert.equal(copies.length, 3, 'the first DATA 1 and two retransmissions');
    assert.ok(copies.every((b) => b.equals(copies[0]!)));
    const [event] = await h.eventsAfter(1);
    assert.equal(event!.outcome, 'timeout');
    assert.equal(event!.bytes, 0);
    const [line] = h.logs.filter((l) => l.msg === 'tftp transfer');
    assert.equal(line!.retransmits, 2, 'the log line counts what was sent again');
  });

  test('a client that goes away mid-transfer (ICMP port unreachable) ends it as aborted, long before the retries run out', async (t) => {
    const h = await server(t, { timeoutMs: 200, retries: 20 });
    const c = await client(t);
    c.send(rrq('medium.bin'), h.port);
    expectKind(await c.next(), 'data');
    c.close(); // the retransmission of DATA 1 now meets a closed port
    const started = Date.now();
    const [event] = await h.eventsAfter(1, 10_000);
    assert.equal(event!.outcome, 'aborted');
    assert.ok(Date.now() - started < 3000, `ended after ${Date.now() - started} ms, not after 20 retries`);
    const [line] = h.logs.filter((l) => l.msg === 'tftp transfer');
    assert.equal(line!.detail, 'client port closed');
  });

  test('a file shorter than the size it was opened with ends the transfer with ERROR 0 and outcome error', async (t) => {
    // As if the file was truncated between the stat and the reads.
    const files = rootFilesAs((file) => ({ size: file.size + 100_000, fd: file.fd, read: (into, at) => file.read(into, at), close: () => file.close() }));
    const h = await server(t, {}, files);
    const c = await client(t);
    c.send(rrq('small.txt'), h.port);
    const error = expectKind(await c.next(), 'error');
    assert.equal(error.code, 0);
    assert.equal(error.message, 'Server error');
    const [event] = await h.eventsAfter(1);
    assert.equal(event!.outcome, 'error');
  });

  test('a retransmitted RRQ (same port, same bytes, nothing heard yet) does not start a second transfer', async (t) => {
    const h = await server(t, { timeoutMs: 10_000 });
    const c = await client(t);
    const request = rrq('small.txt', [['blksize', '1024']]);
    c.send(request, h.port);
    c.send(request, h.port);
    const first = await c.next();
    expectKind(first, 'oack');
    assert.equal(await c.next(300), null, 'one OACK only');
    assert.equal(h.server.stats().active, 1);
    assert.equal(h.server.stats().requests, 2);
    c.send(ackOf(0), first!.from.port);
    const data = expectKind(await c.next(), 'data');
    c.send(ackOf(data.block), first!.from.port);
    const [event] = await h.eventsAfter(1);
    assert.equal(event!.outcome, 'complete');
  });

  test('one log line per transfer with path, client, bytes, ms, blksize, windowsize, outcome', async (t) => {
    if (!requireTool(t, 'curl', 'curl')) return;
    const h = await server(t);
    const run = await runClient(['curl', '-s', '-o', join(outDir(), 's'), `tftp://127.0.0.1:${h.port}/small.txt`]);
    assert.equal(run.code, 0);
    await runClient(['curl', '-s', '-o', join(outDir(), 'm'), `tftp://127.0.0.1:${h.port}/missing`]);
    await h.eventsAfter(2);
    const lines = h.logs.filter((l) => l.msg === 'tftp transfer');
    assert.equal(lines.length, 2);
    const [done, missing] = lines;
    assert.equal(done!.level, 'info');
    assert.deepEqual(
      Object.keys(done!).filter((k) => ['path', 'client', 'bytes', 'ms', 'blksize', 'windowsize', 'outcome'].includes(k)).sort(),
      ['blksize', 'bytes', 'client', 'ms', 'outcome', 'path', 'windowsize'],
    );
    assert.equal(done!.path, 'small.txt');
    assert.equal(done!.bytes, 19);
    assert.match(String(done!.client), /^127\.0\.0\.1:\d+$/);
    assert.equal(typeof done!.ms, 'number');
    assert.equal(missing!.outcome, 'not-found');
  });

  test('a files source that throws ends the transfer with ERROR 0 and outcome error', async (t) => {
    const files: TftpFiles = {
      open: () => Promise.reject(Object.assign(new Error('database gone'), { code: 'EIO' })),
    };
    const h = await server(t, {}, files);
    const c = await client(t);
    c.send(rrq('anything'), h.port);
    assert.equal(expectKind(await c.next(), 'error').code, 0);
    const [event] = await h.eventsAfter(1);
    assert.equal(event!.outcome, 'error');
  });

  test('per-client generated files: the files source sees the client and can serve a buffer', async (t) => {
    const { bufferFile } = await import('../../src/tftp/buffer-file.js');
    const seen: string[] = [];
    const files: TftpFiles = {
      open: async (path, who) => {
        seen.push(`${who.address}:${who.port} ${path}`);
        return { ok: true, file: bufferFile(Buffer.from(`#!ipxe\necho ${who.port}\n`)) };
      },
    };
    const h = await server(t, {}, files);
    const c = await client(t);
    c.send(rrq('boot.ipxe'), h.port);
    const data = expectKind(await c.next(), 'data');
    assert.equal(Buffer.from(data.data).toString(), `#!ipxe\necho ${c.port}\n`);
    assert.deepEqual(seen, [`127.0.0.1:${c.port} boot.ipxe`]);
  });

  // ---------- lifecycle ----------

  test('start() on a port in use fails fast with EADDRINUSE naming the port', async (t) => {
    const holder = createSocket('udp4');
    await new Promise<void>((resolve) => holder.bind({ address: '127.0.0.1', port: 0 }, () => resolve()));
    t.after(() => holder.close());
    const port = holder.address().port;
    const { createTftpServer } = await import('../../src/tftp/server.js');
    const { silentLogger } = await import('../../src/log/logger.js');
    const s = createTftpServer({ address: '127.0.0.1', port, files: folderFiles([root.root]), log: silentLogger() });
    await assert.rejects(s.start(), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'EADDRINUSE');
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      return true;
    });
  });

  test('stop() ends active transfers with ERROR 0 to the client and closes every socket', async (t) => {
    const h = await server(t, { timeoutMs: 10_000 });
    const c = await client(t);
    c.send(rrq('medium.bin', [['blksize', '512']]), h.port);
    const first = await c.next();
    expectKind(first, 'oack');
    assert.equal(h.server.stats().active, 1);
    await h.stop();
    const goodbye = await c.next();
    assert.equal(expectKind(goodbye, 'error').code, 0);
    assert.equal(h.server.stats().active, 0);
    const [event] = await h.eventsAfter(1);
    assert.equal(event!.outcome, 'aborted');
    // Nothing listens any more: a new request gets no answer.
    c.send(rrq('small.txt'), h.port);
    assert.equal(await c.next(300), null);
  });

  test('50 concurrent transfers of a 32 MiB file read in bounded chunks and hold little memory', async (t) => {
    const reads: number[] = [];
    const files = rootFilesAs((file) => ({
      size: file.size,
      // The native pump reads the descriptor itself; the JS pump goes through read(), counted here.
      ...(engine === 'native' && file.fd !== undefined ? { fd: file.fd } : {}),
      read: (into, position) => {
        reads.push(into.length);
        return file.read(into, position);
      },
      close: () => file.close(),
    }));
    const h = await server(t, { timeoutMs: 30_000 }, files);
    globalThis.gc?.();
    const before = process.memoryUsage();
    const clients: RawClient[] = [];
    for (let i = 0; i < 50; i++) clients.push(await client(t));
    const firsts = await Promise.all(
      clients.map(async (c) => {
        c.send(rrq('big.bin', [['blksize', '1468'], ['windowsize', '16']]), h.port);
        const first = await c.next();
        expectKind(first, 'oack');
        return first!;
      }),
    );
    // Each client takes three windows, then goes quiet: all 50 transfers stay open mid-file.
    await Promise.all(
      clients.map(async (c, i) => {
        const port = firsts[i]!.from.port;
        c.send(ackOf(0), port);
        for (let w = 1; w <= 3; w++) {
          for (let b = 0; b < 16; b++) expectKind(await c.next(), 'data');
          c.send(ackOf(w * 16), port);
        }
      }),
    );
    assert.equal(h.server.stats().active, 50);
    const now = process.memoryUsage();
    // Whole-file buffering would be 50 x 32 MiB = 1.6 GiB; read-ahead and packet buffers are ~200 KiB each.
    if (engine === 'js') {
      const grown = now.arrayBuffers - before.arrayBuffers;
      assert.ok(grown < 40 * 1024 * 1024, `array buffers grew by ${(grown / 1048576).toFixed(1)} MiB`);
      assert.ok(reads.length > 0 && Math.max(...reads) <= 128 * 1024, `largest read ${Math.max(...reads)} bytes`);
    } else {
      // The native pump's chunks are outside the JS heap: the whole process must stay small.
      const grown = now.rss - before.rss;
      assert.ok(grown < 40 * 1024 * 1024, `resident size grew by ${(grown / 1048576).toFixed(1)} MiB`);
      assert.equal(reads.length, 0, 'the native pump read the descriptor itself');
    }
    await h.stop();
    assert.equal(h.server.stats().active, 0);
  });
}
