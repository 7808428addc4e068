// A server's resident memory at rest and under a load of clients (proc(5): VmRSS sampled while they run, VmHWM
// after; RssAnon, its own part, the same way), for the memory rows of the TFTP and NFS areas.
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchError } from './bench-error.js';
import { readMemory } from './proc-status.js';
import type { ServerProcess } from './server-process.js';

export interface MemoryRun {
  readonly idleMiB: number;
  readonly peakMiB: number;
  /** RssAnon at rest and its highest sample: VmRSS less mapped files (the program's code, shared libraries). */
  readonly idleAnonMiB: number;
  readonly peakAnonMiB: number;
  readonly seconds: number;
}

export interface MemoryLoad {
  /** A fresh server: VmHWM is a lifetime peak, and idle means never having served anything. */
  readonly server: ServerProcess;
  /** How long the server rests before idle is read. */
  readonly settleMs: number;
  readonly sampleMs: number;
  /** Started together once idle is read; every one must succeed. */
  readonly clients: ReadonlyArray<() => Promise<unknown>>;
  /** For the error when some fail, e.g. "reads from ganesha". */
  readonly what: string;
}

/** A run that could not be made: every figure NaN, so the table shows it as missing. */
export const NO_MEMORY_RUN: MemoryRun = Object.freeze({ idleMiB: Number.NaN, peakMiB: Number.NaN, idleAnonMiB: Number.NaN, peakAnonMiB: Number.NaN, seconds: Number.NaN });

export async function memoryUnderLoad(load: MemoryLoad): Promise<MemoryRun> {
  const { server } = load;
  await sleep(load.settleMs);
  const idle = await mustRead(server);
  let peakKiB = idle.rssKiB;
  let peakAnonKiB = idle.anonKiB;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const now = await readMemory(server.pid);
      if (now !== null) {
        peakKiB = Math.max(peakKiB, now.rssKiB);
        peakAnonKiB = Math.max(peakAnonKiB, now.anonKiB);
      }
      await sleep(load.sampleMs);
    }
  })();
  const started = process.hrtime.bigint();
  const results = await Promise.allSettled(load.clients.map((client) => client()));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  sampling = false;
  await sampler;
  const after = await mustRead(server);
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length > 0) {
    const first = (failed[0] as PromiseRejectedResult).reason as Error;
    throw new BenchError('TRANSFER_FAILED', `${failed.length} of ${results.length} ${load.what} failed, e.g. ${first.message}`);
  }
  return {
    idleMiB: idle.rssKiB / 1024,
    peakMiB: Math.max(peakKiB, after.hwmKiB) / 1024,
    idleAnonMiB: idle.anonKiB / 1024,
    peakAnonMiB: Math.max(peakAnonKiB, after.anonKiB) / 1024,
    seconds,
  };
}

async function mustRead(server: ServerProcess) {
  const status = await readMemory(server.pid);
  if (status === null) throw new BenchError('PROCESS_EXITED', `${server.label} (pid ${server.pid}) is gone:\n${server.tail()}`);
  return status;
}
