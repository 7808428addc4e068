// Parsers for the kernel's health files: /proc/loadavg, /proc/meminfo, /proc/uptime, /proc/stat (proc(5)) and a thermal zone's temp and type (Documentation/driver-api/thermal/sysfs-api.rst).

export type HealthFile = 'loadavg' | 'meminfo' | 'uptime' | 'stat' | 'thermal-temp' | 'thermal-type';

export type ProcParseErrorCode =
  /** Nothing but white space: a file that vanished under us reads empty. */
  | 'EMPTY'
  /** Fewer fields than the format always has. */
  | 'TOO_FEW_FIELDS'
  /** A field that must be a number is not one. */
  | 'NOT_A_NUMBER'
  /** A meminfo key we need is absent. */
  | 'MISSING_FIELD'
  /** A meminfo key we need is in a unit other than kB. */
  | 'BAD_UNIT'
  /** /proc/stat has no aggregate `cpu` line. */
  | 'NO_CPU_LINE';

export interface ProcParseError {
  readonly code: ProcParseErrorCode;
  readonly file: HealthFile;
  readonly message: string;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ProcParseError };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (file: HealthFile, code: ProcParseErrorCode, message: string): Parsed<never> => ({ ok: false, error: { code, file, message } });

// Number() and parseFloat() both accept things the kernel never writes ('', '0x1f', '12abc', 'Infinity'),
// so every field is matched against the shape printf gave it.
const DECIMAL = /^\d+(?:\.\d+)?$/;
const WHOLE = /^\d+$/;
const SIGNED_WHOLE = /^-?\d+$/;

/** The three load averages plus the scheduler counts that follow them ("1.97 4.32 4.25 3/180 1368"). */
export interface LoadAverage {
  readonly load1: number;
  readonly load5: number;
  readonly load15: number;
  readonly runnable: number;
  readonly entities: number;
  readonly lastPid: number;
}

export function parseLoadavg(text: string): Parsed<LoadAverage> {
  const fields = text.trim().split(/\s+/);
  if (fields[0] === '') return fail('loadavg', 'EMPTY', '/proc/loadavg is empty');
  const [l1, l5, l15, sched, pid] = fields;
  if (l1 === undefined || l5 === undefined || l15 === undefined || sched === undefined || pid === undefined) {
    return fail('loadavg', 'TOO_FEW_FIELDS', `/proc/loadavg has ${fields.length} fields, expected 5`);
  }
  for (const [name, value] of [['load1', l1], ['load5', l5], ['load15', l15]] as const) {
    if (!DECIMAL.test(value)) return fail('loadavg', 'NOT_A_NUMBER', `${name} is ${JSON.stringify(value)}`);
  }
  const counts = /^(\d+)\/(\d+)$/.exec(sched);
  if (counts === null) return fail('loadavg', 'NOT_A_NUMBER', `runnable/entities is ${JSON.stringify(sched)}`);
  if (!WHOLE.test(pid)) return fail('loadavg', 'NOT_A_NUMBER', `last PID is ${JSON.stringify(pid)}`);
  return ok({ load1: Number(l1), load5: Number(l5), load15: Number(l15), runnable: Number(counts[1]), entities: Number(counts[2]), lastPid: Number(pid) });
}

export interface MemInfo {
  readonly memTotalBytes: number;
  /** The kernel's own estimate of what new programs can get without swapping (not MemFree, which ignores reclaimable cache). */
  readonly memAvailableBytes: number;
  readonly swapTotalBytes: number;
  readonly swapFreeBytes: number;
}

const MEMINFO_KEYS = { MemTotal: 'memTotalBytes', MemAvailable: 'memAvailableBytes', SwapTotal: 'swapTotalBytes', SwapFree: 'swapFreeBytes' } as const;

export function parseMeminfo(text: string): Parsed<MemInfo> {
  if (text.trim() === '') return fail('meminfo', 'EMPTY', '/proc/meminfo is empty');
  const out: Partial<Record<(typeof MEMINFO_KEYS)[keyof typeof MEMINFO_KEYS], number>> = {};
  for (const line of text.split('\n')) {
    const match = /^([^:]+):\s*(\S*)\s*(\S*)\s*$/.exec(line);
    if (match === null) continue;
    const [, key = '', value = '', unit = ''] = match;
    if (!Object.hasOwn(MEMINFO_KEYS, key)) continue;
    if (!WHOLE.test(value)) return fail('meminfo', 'NOT_A_NUMBER', `${key} is ${JSON.stringify(value)}`);
    // proc(5): the "kB" here is kibibytes.
    if (unit !== 'kB') return fail('meminfo', 'BAD_UNIT', `${key} is in ${JSON.stringify(unit)}, expected kB`);
    out[MEMINFO_KEYS[key as keyof typeof MEMINFO_KEYS]] = Number(value) * 1024;
  }
  const { memTotalBytes, memAvailableBytes, swapTotalBytes, swapFreeBytes } = out;
  if (memTotalBytes === undefined || memAvailableBytes === undefined || swapTotalBytes === undefined || swapFreeBytes === undefined) {
    const missing = Object.entries(MEMINFO_KEYS).filter(([, field]) => out[field] === undefined).map(([key]) => key);
    return fail('meminfo', 'MISSING_FIELD', `/proc/meminfo lacks ${missing.join(', ')}`);
  }
  return ok({ memTotalBytes, memAvailableBytes, swapTotalBytes, swapFreeBytes });
}

export interface Uptime {
  readonly uptimeSeconds: number;
  /** Summed over all CPUs, so it can exceed uptimeSeconds. */
  readonly idleSeconds: number;
}

export function parseUptime(text: string): Parsed<Uptime> {
  const fields = text.trim().split(/\s+/);
  if (fields[0] === '') return fail('uptime', 'EMPTY', '/proc/uptime is empty');
  const [up, idle] = fields;
  if (up === undefined || idle === undefined) return fail('uptime', 'TOO_FEW_FIELDS', `/proc/uptime has ${fields.length} field, expected 2`);
  if (!DECIMAL.test(up)) return fail('uptime', 'NOT_A_NUMBER', `uptime is ${JSON.stringify(up)}`);
  if (!DECIMAL.test(idle)) return fail('uptime', 'NOT_A_NUMBER', `idle time is ${JSON.stringify(idle)}`);
  return ok({ uptimeSeconds: Number(up), idleSeconds: Number(idle) });
}

/** The aggregate `cpu` line of /proc/stat, in USER_HZ ticks since boot. */
export interface CpuTimes {
  readonly user: number;
  readonly nice: number;
  readonly system: number;
  readonly idle: number;
  readonly iowait: number;
  readonly irq: number;
  readonly softirq: number;
  readonly steal: number;
  readonly guest: number;
  readonly guestNice: number;
}

const CPU_FIELDS = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal', 'guest', 'guestNice'] as const;

export function parseStatCpu(text: string): Parsed<CpuTimes> {
  if (text.trim() === '') return fail('stat', 'EMPTY', '/proc/stat is empty');
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (line === undefined) return fail('stat', 'NO_CPU_LINE', '/proc/stat has no aggregate "cpu" line');
  const values = line.trim().split(/\s+/).slice(1);
  // user, nice, system and idle are there on every kernel; the later columns arrived over 2.5.41 .. 2.6.33.
  if (values.length < 4) return fail('stat', 'TOO_FEW_FIELDS', `the cpu line has ${values.length} counters, expected at least 4`);
  const times: Record<(typeof CPU_FIELDS)[number], number> = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0, guest: 0, guestNice: 0 };
  for (const [i, name] of CPU_FIELDS.entries()) {
    const value = values[i];
    if (value === undefined) break;
    if (!WHOLE.test(value)) return fail('stat', 'NOT_A_NUMBER', `cpu ${name} is ${JSON.stringify(value)}`);
    times[name] = Number(value);
  }
  return ok(times);
}

// guest and guest_nice are already counted inside user and nice (proc(5)), so they stay out of the total.
const totalTicks = (t: CpuTimes): number => t.user + t.nice + t.system + t.idle + t.iowait + t.irq + t.softirq + t.steal;
const idleTicks = (t: CpuTimes): number => t.idle + t.iowait;
// Every counter but iowait only ever grows within one boot.
const STEADY_COUNTERS = ['user', 'nice', 'system', 'idle', 'irq', 'softirq', 'steal'] as const;

/**
 * Percent of CPU time spent busy between two readings of the cpu line, 0..100; null when no time passed or the
 * counters went backwards (a different boot, a restored VM), where any figure would be invented.
 */
export function cpuBusyPercent(before: CpuTimes, after: CpuTimes): number | null {
  if (STEADY_COUNTERS.some((name) => after[name] < before[name])) return null;
  const total = totalTicks(after) - totalTicks(before);
  const idle = idleTicks(after) - idleTicks(before);
  if (!(total > 0)) return null;
  // iowait may go down between readings (proc(5): "not reliable"), which can push idle past total by a tick.
  return Math.min(100, Math.max(0, ((total - idle) / total) * 100));
}

/** A thermal zone's `temp`: signed millidegrees Celsius, to degrees. */
export function parseThermalTemp(text: string): Parsed<number> {
  const value = text.trim();
  if (value === '') return fail('thermal-temp', 'EMPTY', 'temp is empty');
  if (!SIGNED_WHOLE.test(value)) return fail('thermal-temp', 'NOT_A_NUMBER', `temp is ${JSON.stringify(value)}`);
  return ok(Number(value) / 1000);
}

/** A thermal zone's `type`: the name its driver registered, e.g. "cpu-thermal" or "x86_pkg_temp". */
export function parseThermalType(text: string): Parsed<string> {
  const value = text.trim();
  if (value === '') return fail('thermal-type', 'EMPTY', 'type is empty');
  return ok(value);
}
