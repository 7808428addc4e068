import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  cpuBusyPercent,
  parseLoadavg,
  parseMeminfo,
  parseStatCpu,
  parseThermalTemp,
  parseThermalType,
  parseUptime,
  type CpuTimes,
  type HealthFile,
  type MemInfo,
  type Parsed,
  type ProcParseErrorCode,
} from '../../src/health/proc-parsers.js';

// Fixtures under test/fixtures/health/:
// - this-machine/proc/* were copied from this build machine's /proc (an x86_64 VM with 2 CPUs and no swap);
//   this-machine/stat-2s-later is its /proc/stat read two seconds after proc/stat.
// - pi4/ and pi3/ follow the layout of a Raspberry Pi 4 (4 GB, 64-bit Raspberry Pi OS) and a Pi 3 B (32-bit,
//   so meminfo carries HighTotal/LowTotal) line for line; their figures are representative, not captured.
const fixture = (path: string): string => readFileSync(new URL(`../fixtures/health/${path}`, import.meta.url), 'utf8');

/** The figures as meminfo prints them (KiB), as the parser returns them (bytes). */
const memKiB = (total: number, available: number, swapTotal: number, swapFree: number): MemInfo => ({
  memTotalBytes: total * 1024,
  memAvailableBytes: available * 1024,
  swapTotalBytes: swapTotal * 1024,
  swapFreeBytes: swapFree * 1024,
});

interface Case {
  readonly name: string;
  readonly parse: (text: string) => Parsed<unknown>;
  readonly file: HealthFile;
  readonly text: string;
  readonly expect: { readonly value: unknown } | { readonly code: ProcParseErrorCode };
}

const good = (parse: Case['parse'], file: HealthFile, name: string, text: string, value: unknown): Case => ({ name, parse, file, text, expect: { value } });
const bad = (parse: Case['parse'], file: HealthFile, name: string, text: string, code: ProcParseErrorCode): Case => ({ name, parse, file, text, expect: { code } });

const cpu = (values: Partial<CpuTimes>): CpuTimes => ({ user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0, guest: 0, guestNice: 0, ...values });

const cases: readonly Case[] = [
  good(parseLoadavg, 'loadavg', 'this machine', fixture('this-machine/proc/loadavg'), { load1: 1.97, load5: 4.32, load15: 4.25, runnable: 3, entities: 180, lastPid: 1368 }),
  good(parseLoadavg, 'loadavg', 'Pi 4', fixture('pi4/proc/loadavg'), { load1: 0.42, load5: 0.31, load15: 0.27, runnable: 2, entities: 214, lastPid: 3187 }),
  good(parseLoadavg, 'loadavg', 'no trailing newline, idle box', '0.00 0.00 0.00 1/97 1', { load1: 0, load5: 0, load15: 0, runnable: 1, entities: 97, lastPid: 1 }),
  bad(parseLoadavg, 'loadavg', 'empty', '', 'EMPTY'),
  bad(parseLoadavg, 'loadavg', 'only white space', ' \n', 'EMPTY'),
  bad(parseLoadavg, 'loadavg', 'truncated', '0.42 0.31', 'TOO_FEW_FIELDS'),
  bad(parseLoadavg, 'loadavg', 'NUL bytes', '\0\0\0', 'TOO_FEW_FIELDS'),
  bad(parseLoadavg, 'loadavg', 'a word for a load', '0.42 high 0.27 2/214 3187', 'NOT_A_NUMBER'),
  bad(parseLoadavg, 'loadavg', 'exponent notation', '1e3 0.31 0.27 2/214 3187', 'NOT_A_NUMBER'),
  bad(parseLoadavg, 'loadavg', 'negative load', '-0.42 0.31 0.27 2/214 3187', 'NOT_A_NUMBER'),
  bad(parseLoadavg, 'loadavg', 'runnable/entities without a slash', '0.42 0.31 0.27 2-214 3187', 'NOT_A_NUMBER'),
  bad(parseLoadavg, 'loadavg', 'last PID not a number', '0.42 0.31 0.27 2/214 pid', 'NOT_A_NUMBER'),

  good(parseMeminfo, 'meminfo', 'this machine (no swap)', fixture('this-machine/proc/meminfo'), memKiB(24683656, 23939768, 0, 0)),
  good(parseMeminfo, 'meminfo', 'Pi 4', fixture('pi4/proc/meminfo'), memKiB(3885528, 3412788, 102396, 102396)),
  good(parseMeminfo, 'meminfo', 'Pi 3, 32-bit (HighTotal and LowTotal lines)', fixture('pi3/proc/meminfo'), memKiB(945364, 781524, 102396, 102396)),
  good(parseMeminfo, 'meminfo', 'the four keys in another order, no newline', 'SwapFree: 1 kB\nSwapTotal: 2 kB\nMemAvailable: 3 kB\nMemTotal: 4 kB', memKiB(4, 3, 2, 1)),
  bad(parseMeminfo, 'meminfo', 'empty', '', 'EMPTY'),
  bad(parseMeminfo, 'meminfo', 'no MemAvailable (a pre-3.14 kernel)', 'MemTotal: 4 kB\nMemFree: 3 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n', 'MISSING_FIELD'),
  bad(parseMeminfo, 'meminfo', 'not meminfo at all', 'hello world\n', 'MISSING_FIELD'),
  bad(parseMeminfo, 'meminfo', 'a word for a size', 'MemTotal: lots kB\nMemAvailable: 3 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n', 'NOT_A_NUMBER'),
  bad(parseMeminfo, 'meminfo', 'a size in MB', 'MemTotal: 4 MB\nMemAvailable: 3 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n', 'BAD_UNIT'),
  bad(parseMeminfo, 'meminfo', 'a size with no unit', 'MemTotal: 4\nMemAvailable: 3 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n', 'BAD_UNIT'),

  good(parseUptime, 'uptime', 'this machine', fixture('this-machine/proc/uptime'), { uptimeSeconds: 10583.16, idleSeconds: 8567.55 }),
  good(parseUptime, 'uptime', 'Pi 4 (four CPUs idle longer than it has been up)', fixture('pi4/proc/uptime'), { uptimeSeconds: 86432.91, idleSeconds: 341205.64 }),
  bad(parseUptime, 'uptime', 'empty', '', 'EMPTY'),
  bad(parseUptime, 'uptime', 'one field', '10583.16\n', 'TOO_FEW_FIELDS'),
  bad(parseUptime, 'uptime', 'a word for the uptime', 'up 8567.55\n', 'NOT_A_NUMBER'),
  bad(parseUptime, 'uptime', 'negative idle time', '10583.16 -1\n', 'NOT_A_NUMBER'),

  good(parseStatCpu, 'stat', 'this machine', fixture('this-machine/proc/stat'), cpu({ user: 909011, system: 252973, idle: 856755, iowait: 9291, softirq: 46372, steal: 16551 })),
  good(parseStatCpu, 'stat', 'Pi 4', fixture('pi4/proc/stat'), cpu({ user: 412396, nice: 1204, system: 186530, idle: 33701528, iowait: 21873, softirq: 5214 })),
  good(parseStatCpu, 'stat', 'a kernel from before iowait (four counters)', 'cpu  10 20 30 40\ncpu0 10 20 30 40\n', cpu({ user: 10, nice: 20, system: 30, idle: 40 })),
  good(parseStatCpu, 'stat', 'a future counter after guest_nice is ignored', 'cpu  1 2 3 4 5 6 7 8 9 10 11\n', cpu({ user: 1, nice: 2, system: 3, idle: 4, iowait: 5, irq: 6, softirq: 7, steal: 8, guest: 9, guestNice: 10 })),
  bad(parseStatCpu, 'stat', 'empty', '', 'EMPTY'),
  bad(parseStatCpu, 'stat', 'per-CPU lines only', 'cpu0 1 2 3 4 5 6 7 8 0 0\ncpu1 1 2 3 4 5 6 7 8 0 0\n', 'NO_CPU_LINE'),
  bad(parseStatCpu, 'stat', 'three counters', 'cpu  1 2 3\n', 'TOO_FEW_FIELDS'),
  bad(parseStatCpu, 'stat', 'a word for a counter', 'cpu  1 2 x 4 5 6 7 8 0 0\n', 'NOT_A_NUMBER'),
  bad(parseStatCpu, 'stat', 'a negative counter', 'cpu  1 2 -3 4 5 6 7 8 0 0\n', 'NOT_A_NUMBER'),

  good(parseThermalTemp, 'thermal-temp', 'Pi 4 cpu-thermal', fixture('pi4/sys/class/thermal/thermal_zone0/temp'), 47.712),
  good(parseThermalTemp, 'thermal-temp', 'NUC x86_pkg_temp', fixture('nuc/sys/class/thermal/thermal_zone4/temp'), 51),
  good(parseThermalTemp, 'thermal-temp', 'below zero (a board in an unheated shed)', '-5000\n', -5),
  bad(parseThermalTemp, 'thermal-temp', 'empty', '', 'EMPTY'),
  bad(parseThermalTemp, 'thermal-temp', 'already in degrees with a point', '47.7\n', 'NOT_A_NUMBER'),
  bad(parseThermalTemp, 'thermal-temp', 'a word', 'hot\n', 'NOT_A_NUMBER'),

  good(parseThermalType, 'thermal-type', 'Pi 4', fixture('pi4/sys/class/thermal/thermal_zone0/type'), 'cpu-thermal'),
  good(parseThermalType, 'thermal-type', 'a type with a space in it', fixture('nuc/sys/class/thermal/thermal_zone1/type'), 'INT3400 Thermal'),
  bad(parseThermalType, 'thermal-type', 'empty line', '\n', 'EMPTY'),
];

for (const c of cases) {
  test(`${c.parse.name}: ${c.name}`, () => {
    const result = c.parse(c.text);
    if ('value' in c.expect) {
      assert.deepEqual(result, { ok: true, value: c.expect.value });
      return;
    }
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.error.code, c.expect.code);
    assert.equal(result.error.file, c.file);
    assert.notEqual(result.error.message, '');
  });
}

test('parseMeminfo names every missing key', () => {
  const result = parseMeminfo('MemTotal: 4 kB\nSwapTotal: 0 kB\n');
  assert.equal(result.ok, false);
  if (!result.ok) assert.match(result.error.message, /MemAvailable, SwapFree/);
});

test('cpuBusyPercent between two real readings of this machine, two seconds apart', () => {
  const before = parseStatCpu(fixture('this-machine/proc/stat'));
  const after = parseStatCpu(fixture('this-machine/stat-2s-later'));
  assert.ok(before.ok && after.ok);
  // By hand from the two cpu lines: user +1144, system +278, softirq +10 and steal +8 are busy (1440 ticks);
  // idle +516 and iowait +14 are not; 1970 ticks in all.
  assert.equal(cpuBusyPercent(before.value, after.value), (1440 / 1970) * 100);
});

const busyCases: readonly { name: string; before: Partial<CpuTimes>; after: Partial<CpuTimes>; expect: number | null }[] = [
  { name: 'only idle time passed', before: { user: 100, idle: 100 }, after: { user: 100, idle: 200 }, expect: 0 },
  { name: 'only user time passed', before: { user: 100, idle: 100 }, after: { user: 200, idle: 100 }, expect: 100 },
  { name: 'half user, half idle', before: {}, after: { user: 50, idle: 50 }, expect: 50 },
  { name: 'waiting for I/O counts as idle', before: {}, after: { iowait: 30, user: 10 }, expect: 25 },
  { name: 'stolen time counts as busy (the host had the CPU)', before: {}, after: { steal: 25, idle: 75 }, expect: 25 },
  { name: 'guest time is inside user and not counted twice', before: {}, after: { user: 50, guest: 50, idle: 50 }, expect: 50 },
  { name: 'system, irq and softirq are busy', before: {}, after: { system: 10, irq: 10, softirq: 20, idle: 60 }, expect: 40 },
  { name: 'no ticks between the readings', before: { user: 5, idle: 5 }, after: { user: 5, idle: 5 }, expect: null },
  { name: 'counters went backwards (a reboot between readings)', before: { user: 500, idle: 500 }, after: { user: 10, idle: 900 }, expect: null },
  { name: 'iowait going down cannot push the figure past 100', before: { iowait: 10 }, after: { iowait: 5, user: 10 }, expect: 100 },
];

for (const c of busyCases) {
  test(`cpuBusyPercent: ${c.name}`, () => {
    assert.equal(cpuBusyPercent(cpu(c.before), cpu(c.after)), c.expect);
  });
}
