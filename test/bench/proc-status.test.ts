// The bench's reading of /proc/PID/status (proc(5)): VmRSS, VmHWM and RssAnon in KiB, or nothing when one is missing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseProcStatus, readMemory } from '../../scripts/bench/proc-status.js';

const STATUS = ['Name:\tnode', 'VmPeak:\t 1234567 kB', 'VmHWM:\t   80000 kB', 'VmRSS:\t   71528 kB', 'RssAnon:\t   25932 kB', 'RssFile:\t   45596 kB', 'RssShmem:\t       0 kB', 'Threads:\t11'].join('\n');

test('parseProcStatus reads VmRSS, VmHWM and RssAnon', () => {
  assert.deepEqual(parseProcStatus(STATUS), { rssKiB: 71528, hwmKiB: 80000, anonKiB: 25932 });
});

test('parseProcStatus gives null when a field is missing (a zombie has no Vm lines)', () => {
  for (const gone of ['VmRSS', 'VmHWM', 'RssAnon']) {
    const text = STATUS.split('\n').filter((line) => !line.startsWith(`${gone}:`)).join('\n');
    assert.equal(parseProcStatus(text), null, gone);
  }
});

test('readMemory of this process: RssAnon is part of VmRSS, VmHWM at least VmRSS', async () => {
  const own = await readMemory(process.pid);
  assert.ok(own !== null, 'this process has a status');
  assert.ok(own.anonKiB > 0 && own.anonKiB <= own.rssKiB, `RssAnon ${own.anonKiB} of VmRSS ${own.rssKiB}`);
  assert.ok(own.hwmKiB >= own.rssKiB, `VmHWM ${own.hwmKiB}, VmRSS ${own.rssKiB}`);
  assert.equal(await readMemory(0x7fffffff), null, 'no such process');
});
