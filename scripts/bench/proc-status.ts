// Resident memory of a running process from /proc/PID/status (proc(5)): VmRSS now, VmHWM its peak so far, and
// RssAnon, the part of VmRSS that is the process's own (heap, stacks): the rest maps files, such as the program's
// executable, which other processes share and the kernel can drop and read again.
import { readFile } from 'node:fs/promises';

export interface MemoryStatus {
  readonly rssKiB: number;
  readonly hwmKiB: number;
  readonly anonKiB: number;
}

export function parseProcStatus(text: string): MemoryStatus | null {
  const field = (name: string): number | null => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(text);
    return match === null ? null : Number(match[1]);
  };
  const rss = field('VmRSS');
  const hwm = field('VmHWM');
  const anon = field('RssAnon');
  return rss === null || hwm === null || anon === null ? null : { rssKiB: rss, hwmKiB: hwm, anonKiB: anon };
}

/** null once the process is gone (or is a zombie, which has no Vm lines). */
export async function readMemory(pid: number): Promise<MemoryStatus | null> {
  try {
    return parseProcStatus(await readFile(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return null;
  }
}
