// CPU time a server spends on a piece of work (proc(5) /proc/PID/stat utime+stime), counting its children too:
// nginx's workers, and tftpd-hpa's per-transfer children, which it reaps without waiting (so their time never
// reaches its cutime) and which are therefore sampled while they live. The cost of a transfer, unlike its wall
// time, is barely moved by other processes competing for the shared machine's cores.
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** USER_HZ: the kernel reports these times in 1/100 s on every Linux architecture that matters here. */
const TICKS_PER_SECOND = 100;
const SAMPLE_MS = 20;

export interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  /** utime + stime, in ticks. */
  readonly ownTicks: number;
  /** cutime + cstime of children the process has waited for, in ticks. */
  readonly reapedTicks: number;
}

/** Fields after the parenthesised command name (which may itself hold spaces and parentheses). */
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open === -1 || close === -1) return null;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).trim().split(/\s+/);
  // rest[0] is field 3 (state): field N sits at rest[N - 3].
  const field = (n: number): number => Number(rest[n - 3]);
  const stat = { pid, ppid: field(4), ownTicks: field(14) + field(15), reapedTicks: field(16) + field(17) };
  return Object.values(stat).every(Number.isFinite) ? stat : null;
}

async function readStat(pid: number): Promise<ProcStat | null> {
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** Direct children, from /proc/PID/task/TID/children of every thread (a thread may be the one that forked). */
export async function childPids(pid: number): Promise<Set<number>> {
  const out = new Set<number>();
  let tasks: string[];
  try {
    tasks = await readdir(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    try {
      const text = await readFile(`/proc/${pid}/task/${tid}/children`, 'utf8');
      for (const child of text.split(/\s+/)) if (/^\d+$/.test(child)) out.add(Number(child));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** Ticks of each child seen so far, the highest reading of each (a child's time only grows). */
async function sampleChildren(pid: number, seen: Map<number, number>): Promise<void> {
  for (const child of await childPids(pid)) {
    const stat = await readStat(child);
    if (stat !== null) seen.set(child, Math.max(seen.get(child) ?? 0, stat.ownTicks + stat.reapedTicks));
  }
}

/**
 * Runs `operation` and returns the CPU seconds `pid` and its children spent meanwhile. A child that ends during
 * the operation counts with its last sampled time (up to one sample period short), unless the parent waited for
 * it, in which case the parent's exact cutime already holds it.
 */
export async function withCpu<T>(pid: number, operation: () => Promise<T>): Promise<{ readonly result: T; readonly cpuSeconds: number }> {
  const baseline = new Map<number, number>();
  await sampleChildren(pid, baseline);
  const before = await readStat(pid);
  const seen = new Map(baseline);
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await sampleChildren(pid, seen);
      await sleep(SAMPLE_MS);
    }
  })();
  let result: T;
  try {
    result = await operation();
  } finally {
    sampling = false;
    await sampler;
  }
  // A child finishing its last packet may outlive the client by a moment; give it that moment.
  await sleep(SAMPLE_MS);
  await sampleChildren(pid, seen);
  const after = await readStat(pid);
  if (before === null || after === null) return { result, cpuSeconds: Number.NaN };
  const live = await childPids(pid);
  let liveTicks = 0;
  let goneTicks = 0;
  for (const [child, ticks] of seen) {
    const used = ticks - (baseline.get(child) ?? 0);
    if (live.has(child)) liveTicks += used;
    else goneTicks += used;
  }
  const reaped = after.reapedTicks - before.reapedTicks;
  const ticks = after.ownTicks - before.ownTicks + reaped + liveTicks + Math.max(0, goneTicks - reaped);
  return { result, cpuSeconds: ticks / TICKS_PER_SECOND };
}
