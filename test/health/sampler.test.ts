import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../src/log/logger.js';
import { createHealthSampler, HealthSamplerError, type HealthSource } from '../../src/health/sampler.js';
import { runCommandStatus } from '../support/run-command.js';

// The pi4 tree has /proc/{loadavg,meminfo,stat,uptime} and one cpu-thermal zone; see proc-parsers.test.ts.
const fixtures = fileURLToPath(new URL('../fixtures/health/', import.meta.url));
const KiB = 1024;
const noFailures: Record<HealthSource, number> = { loadavg: 0, meminfo: 0, uptime: 0, stat: 0, disk: 0, temperature: 0 };

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bramble-health-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A fixture tree copied where the test may change its files between samples. */
async function copyTree(t: TestContext, name: string): Promise<string> {
  const dir = await tempDir(t);
  await cp(join(fixtures, name), dir, { recursive: true });
  return dir;
}

/** A clock that moves one interval per sample, so each sample's time says which one it is. */
function steppingClock(): () => Date {
  let tick = 0;
  return () => new Date(Date.UTC(2026, 0, 1, 0, 0, 0) + 10_000 * tick++);
}

test('a sample from the Pi 4 tree carries its figures, with no CPU figure until a second reading', async (t) => {
  const dataDir = await tempDir(t);
  const sampler = createHealthSampler({ root: join(fixtures, 'pi4'), dataDir, now: () => new Date('2026-03-01T12:00:00.000Z') });
  assert.equal(sampler.latest(), null);
  const sample = await sampler.sampleNow();
  const { diskTotalBytes, diskFreeBytes, ...rest } = sample;
  assert.deepEqual(rest, {
    at: '2026-03-01T12:00:00.000Z',
    cpuPercent: null,
    load1: 0.42,
    load5: 0.31,
    load15: 0.27,
    memTotalBytes: 3885528 * KiB,
    memAvailableBytes: 3412788 * KiB,
    uptimeSeconds: 86432.91,
    temperatureC: 47.712,
  });
  // The data folder is a real temp folder, so only the shape of its figures is known.
  assert.ok(diskTotalBytes !== null && diskTotalBytes > 0);
  assert.ok(diskFreeBytes !== null && diskFreeBytes >= 0 && diskFreeBytes <= diskTotalBytes);
  assert.deepEqual(sampler.latest(), sample);
  assert.deepEqual(sampler.history(), [sample]);
  assert.deepEqual(sampler.failures(), noFailures);
});

test('CPU percent comes from consecutive /proc/stat readings', async (t) => {
  const root = await copyTree(t, 'this-machine');
  const sampler = createHealthSampler({ root, dataDir: root });
  assert.equal((await sampler.sampleNow()).cpuPercent, null);
  await cp(join(fixtures, 'this-machine/stat-2s-later'), join(root, 'proc/stat'));
  // Worked by hand in proc-parsers.test.ts: 1440 busy ticks of 1970.
  assert.equal((await sampler.sampleNow()).cpuPercent, (1440 / 1970) * 100);
  // No ticks since the last reading: no figure rather than a made-up 0.
  assert.equal((await sampler.sampleNow()).cpuPercent, null);
});

test('a failed /proc/stat read keeps the last good reading for the next figure', async (t) => {
  const root = await copyTree(t, 'this-machine');
  const sampler = createHealthSampler({ root, dataDir: root });
  await sampler.sampleNow();
  await writeFile(join(root, 'proc/stat'), 'garbage\n');
  assert.equal((await sampler.sampleNow()).cpuPercent, null);
  await cp(join(fixtures, 'this-machine/stat-2s-later'), join(root, 'proc/stat'));
  assert.equal((await sampler.sampleNow()).cpuPercent, (1440 / 1970) * 100);
  assert.equal(sampler.failures().stat, 1);
});

test('without /proc, /sys or the data folder every field is null, failures are counted and logged once loudly', async (t) => {
  const root = await tempDir(t);
  const lines: { level: string; msg: string; source?: string; code?: string }[] = [];
  const log = createLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line)) });
  const sampler = createHealthSampler({ root, dataDir: join(root, 'no-such-folder'), log });
  for (let i = 0; i < 2; i++) {
    const { at, ...fields } = await sampler.sampleNow();
    assert.ok(Object.values(fields).every((v) => v === null), JSON.stringify(fields));
  }
  // No thermal zone is not a failure: VMs have none.
  assert.deepEqual(sampler.failures(), { loadavg: 2, meminfo: 2, uptime: 2, stat: 2, disk: 2, temperature: 0 });
  const warned = lines.filter((l) => l.level === 'warn').map((l) => `${l.source} ${l.code}`).sort();
  assert.deepEqual(warned, ['disk ENOENT', 'loadavg ENOENT', 'meminfo ENOENT', 'stat ENOENT', 'uptime ENOENT']);
  assert.equal(lines.filter((l) => l.level === 'debug').length, 5);
});

test('a malformed file nulls only its own fields, and its parse error code is logged', async (t) => {
  const root = await copyTree(t, 'pi4');
  await writeFile(join(root, 'proc/meminfo'), 'MemTotal: 4 MB\n');
  const lines: { source?: string; code?: string }[] = [];
  const sampler = createHealthSampler({ root, dataDir: root, log: createLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line)) }) });
  const sample = await sampler.sampleNow();
  assert.equal(sample.memTotalBytes, null);
  assert.equal(sample.memAvailableBytes, null);
  assert.equal(sample.load1, 0.42);
  assert.equal(sample.temperatureC, 47.712);
  assert.deepEqual(sampler.failures(), { ...noFailures, meminfo: 1 });
  assert.deepEqual(lines.map((l) => `${l.source} ${l.code}`), ['meminfo BAD_UNIT']);
});

test('a thermal zone whose temp cannot be read gives null and counts, and is looked for again', async (t) => {
  const root = await copyTree(t, 'pi4');
  const temp = join(root, 'sys/class/thermal/thermal_zone0/temp');
  await rm(temp);
  const sampler = createHealthSampler({ root, dataDir: root });
  assert.equal((await sampler.sampleNow()).temperatureC, null);
  assert.equal(sampler.failures().temperature, 1);
  await writeFile(temp, '61250\n');
  assert.equal((await sampler.sampleNow()).temperatureC, 61.25);
});

test('a thermal zone that appears after start is found', async (t) => {
  const root = await copyTree(t, 'this-machine');
  const sampler = createHealthSampler({ root, dataDir: root });
  assert.equal((await sampler.sampleNow()).temperatureC, null);
  await cp(join(fixtures, 'nuc/sys'), join(root, 'sys'), { recursive: true });
  assert.equal((await sampler.sampleNow()).temperatureC, 51);
  assert.equal(sampler.failures().temperature, 0);
});

test('history holds the last hour: 360 samples at the default 10 s, oldest first', async (t) => {
  const dataDir = await tempDir(t);
  const now = steppingClock();
  const sampler = createHealthSampler({ root: join(fixtures, 'pi4'), dataDir, now });
  const times: string[] = [];
  for (let i = 0; i < 361; i++) times.push((await sampler.sampleNow()).at);
  const history = sampler.history();
  assert.equal(history.length, 360);
  assert.deepEqual(history.map((s) => s.at), times.slice(1));
  assert.equal(sampler.latest()?.at, times[360]);
});

test('a longer interval keeps proportionally fewer samples for the same hour', async (t) => {
  const dataDir = await tempDir(t);
  const sampler = createHealthSampler({ root: join(fixtures, 'pi4'), dataDir, intervalSeconds: 1800, now: steppingClock() });
  const times: string[] = [];
  for (let i = 0; i < 3; i++) times.push((await sampler.sampleNow()).at);
  assert.deepEqual(sampler.history().map((s) => s.at), times.slice(1));
});

for (const intervalSeconds of [0, -10, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
  test(`an interval of ${intervalSeconds} seconds is refused with INVALID_INTERVAL`, () => {
    assert.throws(
      () => createHealthSampler({ dataDir: '/', intervalSeconds }),
      (error: unknown) => error instanceof HealthSamplerError && error.code === 'INVALID_INTERVAL',
    );
  });
}

test('start samples at once and then every interval; a tick during a sample joins it; stop ends the timer', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const dataDir = await tempDir(t);
  const sampler = createHealthSampler({ root: join(fixtures, 'pi4'), dataDir, intervalSeconds: 10 });
  await sampler.start();
  assert.equal(sampler.history().length, 1);
  t.mock.timers.tick(9_999);
  assert.equal(sampler.history().length, 1);
  t.mock.timers.tick(1);
  await sampler.sampleNow();
  assert.equal(sampler.history().length, 2, 'the timer fired and sampleNow joined its sample');
  t.mock.timers.tick(10_000);
  t.mock.timers.tick(10_000);
  await sampler.sampleNow();
  assert.equal(sampler.history().length, 3, 'the second tick came while the first sample was being taken');
  await sampler.stop();
  t.mock.timers.tick(60_000);
  await sampler.stop();
  assert.equal(sampler.history().length, 3);
});

test('a started sampler does not keep the process alive (its timer is unref’d)', async () => {
  const sampler = fileURLToPath(new URL('../../src/health/sampler.ts', import.meta.url));
  const script = `const { createHealthSampler } = await import(${JSON.stringify(sampler)});
const s = createHealthSampler({ dataDir: ${JSON.stringify(tmpdir())} });
await s.start();
console.log('started', s.history().length);`;
  // Were the timer ref'd, the child would still be running when the timeout kills it (exit code 1).
  const result = await runCommandStatus([process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], { timeoutMs: 30_000 });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.trim(), 'started 1');
});

test("this machine's real /proc gives plausible figures", async (t) => {
  const dataDir = await tempDir(t);
  const sampler = createHealthSampler({ dataDir });
  await sampler.sampleNow();
  const sample = await sampler.sampleNow();
  assert.ok(sample.memTotalBytes !== null && sample.memTotalBytes > 0);
  assert.ok(sample.memAvailableBytes !== null && sample.memAvailableBytes >= 0 && sample.memAvailableBytes <= sample.memTotalBytes);
  assert.ok(sample.uptimeSeconds !== null && sample.uptimeSeconds > 0);
  assert.ok(sample.load1 !== null && sample.load1 >= 0);
  assert.ok(sample.diskTotalBytes !== null && sample.diskTotalBytes > 0);
  // Two readings milliseconds apart may see no tick at all (null); otherwise a share.
  assert.ok(sample.cpuPercent === null || (sample.cpuPercent >= 0 && sample.cpuPercent <= 100));
  // This build machine is a VM without thermal zones; a Pi or NUC has one.
  assert.ok(sample.temperatureC === null || Number.isFinite(sample.temperatureC));
  const { temperature, ...others } = sampler.failures();
  assert.deepEqual(others, { loadavg: 0, meminfo: 0, uptime: 0, stat: 0, disk: 0 });
  assert.ok(temperature >= 0);
});
