// libnfs-utils as the NFSv3 client (nfs-cp, nfs-ls -R): user space, no kernel NFS client or mount needed.
// URLs carry nfsport= and mountport=, so libnfs never asks a portmapper; every run is timed and checked.
import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchError } from './bench-error.js';
import { runCommand } from './command.js';
import type { ServerProcess } from './server-process.js';

export interface NfsExport {
  readonly host: string;
  readonly nfsPort: number;
  readonly mountPort: number;
  /** The path MOUNT is asked for (ganesha: the exported folder; Bramble: /bramble/ROOT[/LABEL]). */
  readonly path: string;
}

/** Runs argv in the server's namespace (ip netns exec ...). */
export type Exec = (command: readonly string[]) => string[];

export function nfsUrl(target: NfsExport, file = ''): string {
  const path = file === '' ? target.path : `${target.path.replace(/\/$/, '')}/${file}`;
  return `nfs://${target.host}${path}?version=3&nfsport=${target.nfsPort}&mountport=${target.mountPort}`;
}

/**
 * nfs-cp from `from` to `to` (a local path or an nfs:// URL); resolves to the client's wall time in ms.
 * nfs-cp refuses to overwrite (it creates with O_EXCL locally and a guarded CREATE remotely), so `to` must be
 * a fresh name every time.
 */
export async function nfsCopy(exec: Exec, from: string, to: string, expectedBytes: number, timeoutMs = 300_000): Promise<number> {
  const outcome = await runCommand(exec(['nfs-cp', from, to]), { timeoutMs });
  const copied = /copied (\d+) bytes/.exec(outcome.stdout);
  if (outcome.code !== 0 || copied === null) {
    const why = (outcome.stderr.trim() || outcome.stdout.trim()).split('\n').slice(-3).join(' / ');
    throw new BenchError('TRANSFER_FAILED', `nfs-cp ${from} ${to} exited ${String(outcome.code ?? outcome.signal)}: ${why}`);
  }
  if (Number(copied[1]) !== expectedBytes) {
    throw new BenchError('TRANSFER_FAILED', `nfs-cp ${from} ${to} copied ${copied[1]} bytes, expected ${expectedBytes}`);
  }
  if (!to.startsWith('nfs://')) {
    const size = (await stat(to)).size;
    if (size !== expectedBytes) throw new BenchError('TRANSFER_FAILED', `nfs-cp wrote ${size} bytes to ${to}, expected ${expectedBytes}`);
  }
  return outcome.ms;
}

export interface Listing {
  readonly ms: number;
  /** Lines printed: one per file or directory below the export's root. */
  readonly entries: number;
}

export async function nfsListRecursive(exec: Exec, url: string, timeoutMs = 300_000): Promise<Listing> {
  const outcome = await runCommand(exec(['nfs-ls', '-R', url]), { timeoutMs });
  if (outcome.code !== 0) {
    const why = (outcome.stderr.trim() || outcome.stdout.trim()).split('\n').slice(-3).join(' / ');
    throw new BenchError('TRANSFER_FAILED', `nfs-ls -R ${url} exited ${String(outcome.code ?? outcome.signal)}: ${why}`);
  }
  const entries = outcome.stdout.split('\n').filter((line) => line.trim() !== '').length;
  return { ms: outcome.ms, entries };
}

/**
 * Waits until an export answers MOUNT and READDIR: both servers bind their ports before they finish starting
 * (ganesha loads its exports after binding), so a bound port alone is not ready.
 */
export async function waitForExport(server: ServerProcess, exec: Exec, url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    if (server.exited()) throw new BenchError('PROCESS_EXITED', `${server.label} exited before it served ${url}:\n${server.tail()}`);
    const outcome = await runCommand(exec(['nfs-ls', url]), { timeoutMs: 10_000 });
    if (outcome.code === 0) return;
    last = (outcome.stderr.trim() || outcome.stdout.trim()).split('\n').slice(-2).join(' / ');
    if (Date.now() > deadline) throw new BenchError('WAIT_TIMEOUT', `${server.label} did not serve ${url} within ${timeoutMs} ms (${last}):\n${server.tail()}`);
    await sleep(200);
  }
}
