// The target's data buffers come from a pool and go back to it (buffer-pool.ts): a read's buffer only once the
// socket has taken its Data-In, a write's only once the disk has written it. Through a raw initiator on 127.0.0.1.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { loggedIn, patternBlocks, startTestTarget } from './iscsi-test-target.js';
import { cdb, frame, nopOut, Op } from './raw-initiator.js';

const MIB = 1024 * 1024;
/** Large Data-In and immediate data, so that read data goes out without a copy and write data spans socket reads. */
const BIG_SEGMENTS: ReadonlyArray<readonly [string, string]> = [
  ['MaxRecvDataSegmentLength', '262144'],
  ['FirstBurstLength', '262144'],
  ['MaxBurstLength', '16776192'],
];

test('reads answered while the initiator reads nothing are not overwritten by later reads before they are sent', async (t) => {
  // 32 reads of 512 KiB: far more than the socket buffers hold, so most Data-In waits in the target's queue while
  // the reads after it complete. A buffer handed out again too early would send another read's bytes.
  const target = await startTestTarget(t, { bytes: 16 * MIB });
  const ini = await loggedIn(t, target, { keys: BIG_SEGMENTS });
  const blocks = 1024;
  ini.socket.pause();
  const reads = Array.from({ length: 32 }, (_, i) => ini.scsi(cdb.read10(i * blocks, blocks), { read: blocks * 512 }));
  await sleep(300);
  ini.socket.resume();
  const outcomes = await Promise.all(reads);
  outcomes.forEach((outcome, i) => {
    assert.equal(outcome.status, 0, `read ${i}`);
    assert.ok(outcome.data.equals(patternBlocks(i * blocks, blocks)), `read ${i} carries the blocks it asked for`);
  });
  assert.equal(ini.framingError, null);
});

test('writes (immediate data and Data-Out) interleaved with reads all land as sent, and the reads are right', async (t) => {
  const target = await startTestTarget(t, { bytes: 16 * MIB });
  const ini = await loggedIn(t, target, { keys: BIG_SEGMENTS });
  const blocks = 512; // 256 KiB each: the first 64 KiB immediate, the rest asked for by R2T
  const written = new Map<number, Buffer>();
  const commands: Promise<void>[] = [];
  for (let i = 0; i < 32; i++) {
    const lba = i * blocks;
    if (i % 2 === 0) {
      const data = Buffer.alloc(blocks * 512);
      for (let at = 0; at < data.length; at += 4) data.writeUInt32BE(((i + 1) * 0x01000193 + at) >>> 0, at);
      written.set(lba, data);
      commands.push(ini.scsi(cdb.write10(lba, blocks), { write: data, immediate: 64 * 1024 }).then((o) => assert.equal(o.status, 0, `write ${i}`)));
    } else {
      commands.push(
        ini.scsi(cdb.read10(lba, blocks), { read: blocks * 512 }).then((o) => {
          assert.equal(o.status, 0, `read ${i}`);
          assert.ok(o.data.equals(patternBlocks(lba, blocks)), `read ${i} carries the blocks it asked for`);
        }),
      );
    }
  }
  await Promise.all(commands);
  const image = await readFile(target.imagePath);
  for (const [lba, data] of written) assert.ok(image.subarray(lba * 512, lba * 512 + data.length).equals(data), `the write at LBA ${lba} is on disk as sent`);
  assert.equal(ini.framingError, null);
});

test('an initiator that shuts down its side right after a request gets the answer; the target then closes and ends the session', async (t) => {
  const target = await startTestTarget(t);
  const ini = await loggedIn(t, target);
  const itt = ini.nextItt();
  const from = ini.mark;
  ini.socket.end(frame(nopOut({ immediate: true, itt, cmdSN: ini.cmdSN, expStatSN: ini.expStatSN, dataLength: 0 })));
  const answer = await ini.waitFor((p) => p.opcode === Op.nopIn && p.itt === itt, `NOP-In for ITT ${itt}`, { from });
  assert.equal(answer.itt, itt);
  assert.ok(await ini.closesWithin(2000), 'the target closes once the answer is out');
  // Read through a second descriptor, the socket itself never sees the end: it must still close and let go.
  for (let waited = 0; target.server.sessions() > 0 && waited < 2000; waited += 20) await sleep(20);
  assert.equal(target.server.sessions(), 0, 'the session ended');
});
