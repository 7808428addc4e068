// Samples the appliance's own health every few seconds into a one-hour ring, from proc(5) files, a sysfs thermal zone and statfs(2) of the data folder.
import { readFile, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { cpuBusyPercent, parseLoadavg, parseMeminfo, parseStatCpu, parseThermalTemp, parseUptime, type CpuTimes, type Parsed } from './proc-parsers.js';
import { SampleRing } from './sample-ring.js';
import { findCpuThermalZone, type ThermalZone } from './thermal-zones.js';

/** One point on the health charts; null wherever the figure could not be read (or, for temperature, does not exist). */
export interface HealthSample {
  /** ISO 8601 time the sample was taken. */
  readonly at: string;
  /** Busy share of all CPUs since the previous sample; null on the first. */
  readonly cpuPercent: number | null;
  readonly load1: number | null;
  readonly load5: number | null;
  readonly load15: number | null;
  readonly memTotalBytes: number | null;
  readonly memAvailableBytes: number | null;
  readonly diskTotalBytes: number | null;
  readonly diskFreeBytes: number | null;
  readonly uptimeSeconds: number | null;
  /** Null when the machine has no thermal zone (VMs, most containers). */
  readonly temperatureC: number | null;
}

/** What a sample reads; failures are counted per source. */
export type HealthSource = 'loadavg' | 'meminfo' | 'uptime' | 'stat' | 'disk' | 'temperature';

export interface HealthSamplerOptions {
  /** The data folder, whose file system's size and free space are charted. */
  readonly dataDir: string;
  /** Where /proc and /sys are found; tests point this at a fixture tree. */
  readonly root?: string;
  /** Seconds between samples; the ring holds one hour of them. */
  readonly intervalSeconds?: number;
  readonly now?: () => Date;
  readonly log?: Logger;
}

export interface HealthSampler {
  /** Takes the first sample, then one every interval; resolves once the first is in. */
  start(): Promise<void>;
  /** Stops the timer and waits for a sample under way. */
  stop(): Promise<void>;
  /** Takes a sample now (or joins the one under way) and records it. */
  sampleNow(): Promise<HealthSample>;
  latest(): HealthSample | null;
  /** Oldest first, at most one hour. */
  history(): HealthSample[];
  failures(): Readonly<Record<HealthSource, number>>;
}

export type HealthSamplerErrorCode = 'INVALID_INTERVAL';

export class HealthSamplerError extends Error {
  override readonly name = 'HealthSamplerError';
  readonly code: HealthSamplerErrorCode;

  constructor(code: HealthSamplerErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export const DEFAULT_INTERVAL_SECONDS = 10;
const HISTORY_SECONDS = 3600;

export function createHealthSampler(options: HealthSamplerOptions): HealthSampler {
  const root = options.root ?? '/';
  const intervalSeconds = options.intervalSeconds ?? DEFAULT_INTERVAL_SECONDS;
  // Below a second the ring would grow to many thousands of points for charts that cannot show them.
  if (!Number.isFinite(intervalSeconds) || intervalSeconds < 1) {
    throw new HealthSamplerError('INVALID_INTERVAL', `health sampling interval must be at least 1 second, got ${intervalSeconds}`);
  }
  const now = options.now ?? (() => new Date());
  const ring = new SampleRing<HealthSample>(Math.ceil(HISTORY_SECONDS / intervalSeconds));
  const failureCounts: Record<HealthSource, number> = { loadavg: 0, meminfo: 0, uptime: 0, stat: 0, disk: 0, temperature: 0 };
  let previousCpu: CpuTimes | null = null;
  // undefined: not looked for yet (or lost); null: this machine has none.
  let zone: ThermalZone | null | undefined;
  let timer: NodeJS.Timeout | null = null;
  let inFlight: Promise<HealthSample> | null = null;

  const failed = (source: HealthSource, code: string, message: string): null => {
    failureCounts[source] += 1;
    // The same failure every ten seconds would drown the log: say it loudly once, then quietly.
    const level = failureCounts[source] === 1 ? 'warn' : 'debug';
    options.log?.[level]('health read failed', { source, code, message, failures: failureCounts[source] });
    return null;
  };

  async function read<T>(source: HealthSource, path: string, parse: (text: string) => Parsed<T>): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      return failed(source, errnoCode(error), `${path}: ${(error as Error).message}`);
    }
    const parsed = parse(text);
    return parsed.ok ? parsed.value : failed(source, parsed.error.code, `${path}: ${parsed.error.message}`);
  }

  async function readDisk(): Promise<{ total: number; free: number } | null> {
    try {
      const fs = await statfs(options.dataDir);
      // bavail, not bfree: the blocks reserved for root are not Bramble's to fill.
      return { total: fs.blocks * fs.bsize, free: fs.bavail * fs.bsize };
    } catch (error) {
      return failed('disk', errnoCode(error), `${options.dataDir}: ${(error as Error).message}`);
    }
  }

  async function readTemperature(): Promise<number | null> {
    // Looked for again while absent, since a thermal driver may load after Bramble starts; a readdir is cheap.
    if (zone === undefined || zone === null) zone = await findCpuThermalZone(root);
    if (zone === null) return null;
    const celsius = await read('temperature', zone.tempPath, parseThermalTemp);
    // A zone whose driver went away is looked for again next time.
    if (celsius === null) zone = undefined;
    return celsius;
  }

  async function take(): Promise<HealthSample> {
    const at = now().toISOString();
    const [load, mem, uptime, cpu, disk, temperatureC] = await Promise.all([
      read('loadavg', join(root, 'proc/loadavg'), parseLoadavg),
      read('meminfo', join(root, 'proc/meminfo'), parseMeminfo),
      read('uptime', join(root, 'proc/uptime'), parseUptime),
      read('stat', join(root, 'proc/stat'), parseStatCpu),
      readDisk(),
      readTemperature(),
    ]);
    // After a failed /proc/stat read the last good reading stays, so the next figure averages over the gap.
    const cpuPercent = cpu !== null && previousCpu !== null ? cpuBusyPercent(previousCpu, cpu) : null;
    if (cpu !== null) previousCpu = cpu;
    const sample: HealthSample = {
      at,
      cpuPercent,
      load1: load?.load1 ?? null,
      load5: load?.load5 ?? null,
      load15: load?.load15 ?? null,
      memTotalBytes: mem?.memTotalBytes ?? null,
      memAvailableBytes: mem?.memAvailableBytes ?? null,
      diskTotalBytes: disk?.total ?? null,
      diskFreeBytes: disk?.free ?? null,
      uptimeSeconds: uptime?.uptimeSeconds ?? null,
      temperatureC,
    };
    ring.push(sample);
    return sample;
  }

  function sampleNow(): Promise<HealthSample> {
    // One sample at a time, so CPU readings pair up in order and a slow disk cannot stack samples up.
    inFlight ??= take().finally(() => {
      inFlight = null;
    });
    return inFlight;
  }

  return {
    async start() {
      if (timer !== null) return;
      timer = setInterval(() => {
        sampleNow().catch((error: unknown) => options.log?.error('health sample failed', { message: String(error) }));
      }, intervalSeconds * 1000);
      // Health charts are no reason to keep the process alive.
      timer.unref();
      await sampleNow();
    },
    async stop() {
      if (timer !== null) clearInterval(timer);
      timer = null;
      await inFlight;
    },
    sampleNow,
    latest: () => ring.latest(),
    history: () => ring.toArray(),
    failures: () => ({ ...failureCounts }),
  };
}

function errnoCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : 'READ_FAILED';
}
