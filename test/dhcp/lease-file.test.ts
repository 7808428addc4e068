// The lease journal: records survive a reopen, torn lines are skipped, compaction keeps the latest record only.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { silentLogger } from '../../src/log/logger.js';
import { formatLeaseLine, openLeaseJournal, parseLeaseLine, readLeaseFile } from '../../src/dhcp/lease-file.js';
import type { Lease } from '../../src/dhcp/leases.js';

const T0 = 1_700_000_000_000;
const lease = (n: number, state: Lease['state'] = 'bound'): Lease => ({
  ip: `198.18.0.${n}`,
  mac: `02:00:00:00:00:${n.toString(16).padStart(2, '0')}`,
  clientId: null,
  hostname: n % 2 === 0 ? `host-${n}` : null,
  state,
  expiresAt: T0 + n,
  updatedAt: T0,
});

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'bdhcp-leases-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('lease journal', () => {
  test('appended records are on disk once append resolves, and read back in order', async (t) => {
    const path = join(tempDir(t), 'sub', 'leases.jsonl');
    const live = new Map<string, Lease>();
    const journal = await openLeaseJournal({ path, log: silentLogger(), snapshot: () => live.values() });
    for (const n of [1, 2, 3]) {
      live.set(lease(n).ip, lease(n));
      await journal.append(lease(n));
    }
    assert.deepEqual(await readLeaseFile(path, silentLogger()), [lease(1), lease(2), lease(3)]);
    await journal.close();
  });

  test('many appends in one turn are group-committed and all land', async (t) => {
    const path = join(tempDir(t), 'leases.jsonl');
    const live = new Map<string, Lease>();
    const journal = await openLeaseJournal({ path, log: silentLogger(), snapshot: () => live.values() });
    const all: Promise<void>[] = [];
    for (let n = 1; n <= 200; n++) all.push(journal.append({ ...lease(n % 250), updatedAt: T0 + n }));
    await Promise.all(all);
    assert.equal((await readLeaseFile(path, silentLogger())).length, 200);
    await journal.close();
  });

  test('compaction keeps one line per live record once the journal outgrows the table', async (t) => {
    const path = join(tempDir(t), 'leases.jsonl');
    const live = new Map<string, Lease>();
    const journal = await openLeaseJournal({ path, log: silentLogger(), snapshot: () => live.values(), slack: 10 });
    for (let round = 0; round < 10; round++) {
      for (const n of [1, 2]) {
        const record = { ...lease(n), updatedAt: T0 + round };
        live.set(record.ip, record);
        await journal.append(record);
      }
    }
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    assert.ok(lines.length < 20, `${lines.length} lines after compaction`);
    await journal.close();
    assert.deepEqual(await readLeaseFile(path, silentLogger()), [...live.values()]);
  });

  test('a torn last line (crash mid-write) and foreign lines are skipped', async (t) => {
    const path = join(tempDir(t), 'leases.jsonl');
    appendFileSync(path, JSON.stringify(lease(1)) + '\n' + '{"ip":"198.18.0.2","mac":"02:00:00:00:00:02","st');
    appendFileSync(path, '\n' + JSON.stringify({ ...lease(3), state: 'weird' }) + '\n' + JSON.stringify(lease(4)) + '\n');
    assert.deepEqual(await readLeaseFile(path, silentLogger()), [lease(1), lease(4)]);
  });

  test('a missing file is an empty journal', async (t) => {
    assert.deepEqual(await readLeaseFile(join(tempDir(t), 'none.jsonl'), silentLogger()), []);
  });

  test('formatLeaseLine writes JSON that parses back to the same record, odd host names included', () => {
    for (const record of [lease(1), lease(2), { ...lease(3), mac: null, state: 'declined' as const }, { ...lease(4), hostname: 'a "quoted"\\ name\n', clientId: '01ab' }]) {
      const line = formatLeaseLine(record);
      assert.ok(line.endsWith('\n'));
      assert.deepEqual(JSON.parse(line), record);
      assert.deepEqual(parseLeaseLine(line), record);
    }
  });

  test('parseLeaseLine rejects bad addresses and MACs', () => {
    assert.equal(parseLeaseLine(JSON.stringify({ ...lease(1), ip: '198.18.0' })), null);
    assert.equal(parseLeaseLine(JSON.stringify({ ...lease(1), mac: 'AA:BB:CC:DD:EE:FF' })), null);
    assert.equal(parseLeaseLine('[]'), null);
    assert.deepEqual(parseLeaseLine(JSON.stringify(lease(1))), lease(1));
  });
});
