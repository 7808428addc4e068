// Loopback-only network namespaces for the NFS and iSCSI benchmarks (one per server, so each can own the standard
// ports: 111, 2049 and 20048; 3260), and for ganesha and tgtd a private mount namespace with its own /run, where
// ganesha's rpcbind and tgtd's control socket live.
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchError } from './bench-error.js';
import { mustRun, runCommand } from './command.js';
import { NETNS_PREFIX } from './netns.js';
import { startServer } from './server-process.js';
import type { ServerProcess } from './server-process.js';

export interface LoopbackNetns {
  readonly name: string;
  /** argv that runs `command` inside the namespace. */
  exec(command: readonly string[]): string[];
  destroy(): Promise<void>;
}

// The name must match netns.ts's sweep pattern (PREFIX + pid + '-' + number + 's') so that a crashed run's
// namespaces, and whatever still runs in them, are deleted by the next run; numbers from 7001 up stay clear of
// the serials createVethPair() counts from 1 in the same process.
let serial = 7000;

export async function createLoopbackNetns(): Promise<LoopbackNetns> {
  if (process.getuid?.() !== 0) throw new BenchError('NOT_ROOT', 'network namespaces need root');
  serial += 1;
  const name = `${NETNS_PREFIX}${process.pid}-${serial}s`;
  await mustRun(['ip', 'netns', 'add', name]);
  let destroyed = false;
  const destroy = async (): Promise<void> => {
    if (destroyed) return;
    destroyed = true;
    // Servers are stopped before this runs; anything left (a server whose stop failed) must not keep the
    // namespace, or its ports, alive.
    const pids = await runCommand(['ip', 'netns', 'pids', name]);
    for (const pid of pids.stdout.split(/\s+/).filter((p) => /^\d+$/.test(p))) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await mustRun(['ip', 'netns', 'del', name]);
  };
  try {
    await mustRun(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
  } catch (error) {
    await destroy();
    throw error;
  }
  return { name, exec: (command) => ['ip', 'netns', 'exec', name, ...command], destroy };
}

export interface PrivateRun {
  /** The process that holds the mount namespace open (a `sleep infinity`). */
  readonly holder: ServerProcess;
  /** argv that runs `command` in the holder's network and mount namespaces. */
  exec(command: readonly string[]): string[];
}

/**
 * rpcbind keeps /run/rpcbind.sock and /run/rpcbind.lock, and libtirpc registers programs through that socket
 * before trying port 111: with a shared /run, ganesha could register with another session's rpcbind, and our
 * rpcbind would take over (or be refused) that session's socket and lock. A tmpfs over /run in a private mount
 * namespace gives rpcbind and ganesha their own; likewise tgtd's /run/tgtd/socket.0, which tgtadm talks to.
 * `dirs` are made in it.
 */
export async function startPrivateRun(netns: LoopbackNetns, dirs: readonly string[] = ['/run/rpcbind', '/run/ganesha']): Promise<PrivateRun> {
  // ip netns exec and unshare both exec in place (no --fork), so the leader's pid is the sleep itself.
  const holder = startServer(netns.exec(['unshare', '--mount', '--propagation', 'private', 'sleep', 'infinity']), { label: 'mount namespace holder' });
  const exec = (command: readonly string[]): string[] => ['nsenter', '-t', String(holder.pid), '-m', '-n', ...command];
  try {
    await waitForExec(holder, 'sleep');
    await mustRun(exec(['mount', '-t', 'tmpfs', '-o', 'mode=755', 'bramble-bench-run', '/run']));
    if (dirs.length > 0) await mustRun(exec(['mkdir', '-p', ...dirs]));
  } catch (error) {
    await holder.stop();
    throw error;
  }
  return { holder, exec };
}

/** Waits until the holder has exec'ed into `comm`: before that, nsenter would join ip's namespaces, not its own. */
async function waitForExec(server: ServerProcess, comm: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.exited()) throw new BenchError('PROCESS_EXITED', `${server.label} exited:\n${server.tail()}`);
    const name = await readFile(`/proc/${server.pid}/comm`, 'utf8').catch(() => '');
    if (name.trim() === comm) return;
    if (Date.now() > deadline) throw new BenchError('WAIT_TIMEOUT', `${server.label} did not start ${comm} within ${timeoutMs} ms`);
    await sleep(20);
  }
}
