// Network namespaces owned by one test process (ip-netns(8)): create, run commands inside, and delete, including
// the stale ones that crashed earlier runs left behind.
import { runCommand } from './run-command.js';
import type { CommandResult, RunOptions } from './run-command.js';
import { netnsName, parseNetnsList, staleNamespaces } from './netns-names.js';

export interface Netns {
  readonly name: string;
  /** The argv that runs `command` inside this namespace, for long-running processes (startProcess). */
  argv(command: readonly string[]): string[];
  run(command: readonly string[], options?: RunOptions): Promise<CommandResult>;
  /** Kills whatever still runs inside, then deletes the namespace. Safe to call twice. */
  destroy(): Promise<void>;
}

let serial = 0;

export async function createNetns(): Promise<Netns> {
  serial += 1;
  const name = netnsName(process.pid, serial);
  await runCommand(['ip', 'netns', 'add', name]);
  const ns = netnsHandle(name);
  try {
    await ns.run(['ip', 'link', 'set', 'lo', 'up']);
  } catch (error) {
    await ns.destroy();
    throw error;
  }
  return ns;
}

function netnsHandle(name: string): Netns {
  let destroyed = false;
  const argv = (command: readonly string[]): string[] => ['ip', 'netns', 'exec', name, ...command];
  return {
    name,
    argv,
    run: (command, options) => runCommand(argv(command), options),
    destroy: async () => {
      if (destroyed) return;
      destroyed = true;
      await killInside(name);
      await runCommand(['ip', 'netns', 'del', name]);
    },
  };
}

/** Processes still inside are ones this harness started there (servers, VMs) whose stop did not happen. */
async function killInside(name: string): Promise<void> {
  let pids: string;
  try {
    pids = (await runCommand(['ip', 'netns', 'pids', name])).stdout;
  } catch {
    return;
  }
  for (const pid of pids.split(/\s+/).filter((p) => /^\d+$/.test(p))) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Deletes namespaces (and what runs in them) left behind by test processes that no longer exist. */
export async function sweepStaleNetns(): Promise<string[]> {
  const list = await runCommand(['ip', 'netns', 'list']);
  const stale = staleNamespaces(parseNetnsList(list.stdout), isAlive);
  for (const name of stale) await netnsHandle(name).destroy();
  return stale;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM means it exists but belongs to someone else: still alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
