// What the figures were measured on (the machines are shared and noisy, so every section says so): date, CPU,
// kernel, Node.js and the load average when the area started.
import { cpus, loadavg, release } from 'node:os';
import { availableParallelism } from 'node:os';

export interface MachineInfo {
  readonly date: string;
  readonly nproc: number;
  readonly cpu: string;
  readonly kernel: string;
  readonly node: string;
  /** 1, 5 and 15 minute load averages when the area started. */
  readonly load: readonly [number, number, number];
}

export function machineInfo(now: Date = new Date()): MachineInfo {
  const [one, five, fifteen] = loadavg();
  return {
    date: now.toISOString().replace(/\.\d+Z$/, 'Z'),
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    kernel: release(),
    node: process.version,
    load: [one ?? 0, five ?? 0, fifteen ?? 0],
  };
}

export function describeMachine(m: MachineInfo): string {
  const load = m.load.map((l) => l.toFixed(2)).join(', ');
  return `${m.date}; ${m.nproc} cores (${m.cpu}), Linux ${m.kernel}, Node.js ${m.node}; load average at start ${load}`;
}
