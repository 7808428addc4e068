import assert from 'node:assert/strict';
import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger } from '../../src/log/logger.js';
import { openBootEventLog, type BootEvent, type BootEventLog, type BootEventLogOptions } from '../../src/store/boot-events.js';
import { captureLog } from './support/capture-log.js';
import { tempDir } from './support/temp-dir.js';

const mac = (n: number): string => `52:54:00:00:00:${n.toString(16).padStart(2, '0')}`;
function event(m: number, i: number): BootEvent {
  return {
    time: new Date(Date.UTC(2024, 4, 1, 10, 0, 0, i)).toISOString(),
    mac: mac(m),
    stage: i % 2 === 0 ? 'dhcp' : 'tftp',
    detail: `event ${i}`,
    fields: { seq: i },
  };
}

async function openLog(t: TestContext, dir: string, options: Partial<BootEventLogOptions> = {}): Promise<BootEventLog> {
  const log = await openBootEventLog(dir, { log: silentLogger(), ...options });
  t.after(() => log.close());
  return log;
}

/** Every line of every log file, oldest file first. */
async function linesOnDisk(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => n.startsWith('boot-events.jsonl'));
  const age = (name: string): number => (name === 'boot-events.jsonl' ? 0 : Number(name.split('.').pop()));
  names.sort((a, b) => age(b) - age(a));
  const lines: string[] = [];
  for (const name of names) lines.push(...(await readFile(join(dir, name), 'utf8')).split('\n').filter((l) => l !== ''));
  return lines;
}

const seqs = (events: readonly BootEvent[]): unknown[] => events.map((e) => e.fields?.seq);

test('appended events show at once, reach the file on close, and come back after a reopen', async (t) => {
  const dir = await tempDir(t);
  const first = await openLog(t, dir);
  first.append(event(1, 1));
  first.append({ ...event(2, 2), mac: '52-54-00-00-00-02' });
  first.append(event(1, 3));
  assert.deepEqual(seqs(first.recent(mac(1))), [1, 3]);
  assert.deepEqual(seqs(first.recent('525400000002')), [2], 'any MAC spelling finds the machine');
  assert.deepEqual(first.macs(), [mac(2), mac(1)]);
  await first.close();

  const lines = await linesOnDisk(dir);
  assert.deepEqual(lines.map((l) => JSON.parse(l)), [event(1, 1), event(2, 2), event(1, 3)]);

  const second = await openLog(t, dir);
  assert.deepEqual(second.recent(mac(1)), [event(1, 1), event(1, 3)]);
  assert.deepEqual(second.recent(mac(2)), [event(2, 2)]);
  assert.deepEqual(second.macs(), [mac(2), mac(1)]);
});

test('events reach the file soon without close()', async (t) => {
  const dir = await tempDir(t);
  const log = await openLog(t, dir);
  log.append(event(1, 1));
  let text = '';
  for (let tries = 0; tries < 100 && text === ''; tries++) {
    await sleep(50);
    text = await readFile(join(dir, 'boot-events.jsonl'), 'utf8');
  }
  assert.deepEqual(JSON.parse(text), event(1, 1));
});

test('the log rotates by size, keeps K old files, and the files hold the newest events in order', async (t) => {
  const dir = await tempDir(t);
  const maxBytes = 600;
  const keep = 2;
  const total = 60;
  // Several sessions: the size of the current file must be picked up again at each open.
  for (let session = 0; session < 3; session++) {
    const log = await openLog(t, dir, { maxBytes, keep });
    for (let i = session * 20; i < (session + 1) * 20; i++) log.append(event(1 + (i % 3), i));
    await log.close();
  }
  assert.deepEqual((await readdir(dir)).sort(), ['boot-events.jsonl', 'boot-events.jsonl.1', 'boot-events.jsonl.2']);
  for (const name of await readdir(dir)) {
    assert.ok((await stat(join(dir, name))).size <= maxBytes, `${name} is over ${maxBytes} bytes`);
  }
  const kept = (await linesOnDisk(dir)).map((l) => (JSON.parse(l) as BootEvent).fields?.seq as number);
  assert.ok(kept.length > 0 && kept.length < total, `rotation must have dropped the oldest events (kept ${kept.length})`);
  assert.deepEqual(kept, Array.from({ length: kept.length }, (_, i) => total - kept.length + i), 'a contiguous run ending at the newest');

  const reopened = await openLog(t, dir, { maxBytes, keep });
  const refilled = [1, 2, 3].flatMap((m) => seqs(reopened.recent(mac(m))) as number[]).sort((a, b) => a - b);
  assert.deepEqual(refilled, kept, 'the ring is refilled from every kept file');
});

test('files numbered past a lowered keep are removed at open; the others stay', async (t) => {
  const dir = await tempDir(t);
  const log = await openLog(t, dir, { maxBytes: 300, keep: 4 });
  for (let i = 0; i < 40; i++) log.append(event(1, i));
  await log.close();
  assert.deepEqual((await readdir(dir)).sort(), ['boot-events.jsonl', 'boot-events.jsonl.1', 'boot-events.jsonl.2', 'boot-events.jsonl.3', 'boot-events.jsonl.4']);
  await writeFile(join(dir, 'boot-events.jsonl.bak'), 'not ours\n');
  const smaller = await openLog(t, dir, { maxBytes: 300, keep: 1 });
  await smaller.close();
  assert.deepEqual((await readdir(dir)).sort(), ['boot-events.jsonl', 'boot-events.jsonl.1', 'boot-events.jsonl.bak']);
});

test('refilling keeps only the last N events per machine, across rotated files', async (t) => {
  const dir = await tempDir(t);
  const writer = await openLog(t, dir, { maxBytes: 500, keep: 10 });
  for (let i = 0; i < 30; i++) writer.append(event(1 + (i % 2), i));
  await writer.close();
  assert.ok((await readdir(dir)).length > 2, 'the events span several files');

  const log = await openLog(t, dir, { maxBytes: 500, keep: 10, perMachine: 4 });
  assert.deepEqual(seqs(log.recent(mac(1))), [22, 24, 26, 28]);
  assert.deepEqual(seqs(log.recent(mac(2))), [23, 25, 27, 29]);
  assert.deepEqual(seqs(log.recent(mac(2), 2)), [27, 29]);
});

test('a line torn by a crash is skipped at open and does not swallow the next event', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'boot-events.jsonl');
  const whole = JSON.stringify(event(1, 1)) + '\n';
  const torn = JSON.stringify(event(1, 2)).slice(0, 30);
  await writeFile(path, whole + torn);
  const { log: logger, records } = captureLog();
  const log = await openBootEventLog(dir, { log: logger });
  t.after(() => log.close());
  assert.deepEqual(log.recent(mac(1)), [event(1, 1)]);
  assert.deepEqual(records.filter((r) => r.msg.includes('skipped')).map((r) => r.skipped), [1]);

  log.append(event(1, 3));
  await log.close();
  const lines = (await readFile(path, 'utf8')).split('\n');
  assert.deepEqual(lines, [whole.trimEnd(), torn, JSON.stringify(event(1, 3)), '']);
  const again = await openLog(t, dir);
  assert.deepEqual(again.recent(mac(1)), [event(1, 1), event(1, 3)]);
});

test('invalid events and events after close() are dropped and counted, never thrown', async (t) => {
  const dir = await tempDir(t);
  const { log: logger, records } = captureLog();
  const log = await openBootEventLog(dir, { log: logger });
  const bad = [
    { ...event(1, 1), mac: 'not-a-mac' },
    { ...event(1, 2), stage: 'bios' },
    null,
    { ...event(1, 3), fields: { nested: {} } },
  ] as unknown as BootEvent[];
  for (const e of bad) assert.doesNotThrow(() => log.append(e));
  log.append(event(1, 4));
  await log.close();
  assert.doesNotThrow(() => log.append(event(1, 5)));
  const drops = records.filter((r) => r.msg === 'boot event dropped');
  assert.deepEqual(drops.map((r) => [r.reason, r.dropped]), [
    ['bad mac', 1],
    ['bad stage', 2],
    ['not an object', 3],
    ['bad fields', 4],
    ['log closed', 5],
  ]);
  assert.deepEqual((await linesOnDisk(dir)).map((l) => JSON.parse(l)), [event(1, 4)]);
  assert.deepEqual(seqs(log.recent(mac(1))), [4]);
});

test('a failing disk is logged as a warning; append() and close() still do not throw', async (t) => {
  const dir = join(await tempDir(t), 'events');
  const { log: logger, records } = captureLog();
  const log = await openBootEventLog(dir, { log: logger, maxBytes: 200 });
  // With its folder gone, the open file still takes writes but rotation cannot rename it.
  await rm(dir, { recursive: true });
  for (let i = 0; i < 10; i++) assert.doesNotThrow(() => log.append(event(1, i)));
  await log.close();
  const warnings = records.filter((r) => r.level === 'warn');
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]!.msg, 'boot events not written');
  assert.equal(warnings[0]!.count, 10);
  assert.equal(log.recent(mac(1)).length, 10, 'the in-memory timeline still has them');
});
