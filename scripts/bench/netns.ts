// Two network namespaces joined by a veth pair, addressed from the RFC 2544 benchmarking range 198.18.0.0/15:
// DHCP servers and perfdhcp talk only across it, never in the root namespace.
import { BenchError } from './bench-error.js';
import { mustRun, runCommand } from './command.js';

export const NETNS_PREFIX = 'bramble-bench-';
export const SERVER_ADDRESS = '198.18.0.1';
export const CLIENT_ADDRESS = '198.18.0.2';
export const PREFIX_LENGTH = 15;
export const NETMASK = '255.254.0.0';
export const SERVER_IF = 'veth-s';
export const CLIENT_IF = 'veth-c';

export interface VethPair {
  readonly server: string;
  readonly client: string;
  /** argv that runs `command` inside namespace `ns`. */
  exec(ns: string, command: readonly string[]): string[];
  destroy(): Promise<void>;
}

let serial = 0;

export async function createVethPair(): Promise<VethPair> {
  if (process.getuid?.() !== 0) throw new BenchError('NOT_ROOT', 'network namespaces need root');
  serial += 1;
  const base = `${NETNS_PREFIX}${process.pid}-${serial}`;
  const server = `${base}s`;
  const client = `${base}c`;
  const created: string[] = [];
  const destroy = async (): Promise<void> => {
    for (const ns of created.reverse()) await deleteNetns(ns);
    created.length = 0;
  };
  try {
    for (const ns of [server, client]) {
      await mustRun(['ip', 'netns', 'add', ns]);
      created.push(ns);
      await mustRun(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    }
    // Created inside the server namespace straight away: the pair never exists in the root namespace.
    await mustRun(['ip', '-n', server, 'link', 'add', SERVER_IF, 'type', 'veth', 'peer', 'name', CLIENT_IF, 'netns', client]);
    await mustRun(['ip', '-n', server, 'addr', 'add', `${SERVER_ADDRESS}/${PREFIX_LENGTH}`, 'dev', SERVER_IF]);
    await mustRun(['ip', '-n', client, 'addr', 'add', `${CLIENT_ADDRESS}/${PREFIX_LENGTH}`, 'dev', CLIENT_IF]);
    await mustRun(['ip', '-n', server, 'link', 'set', SERVER_IF, 'up']);
    await mustRun(['ip', '-n', client, 'link', 'set', CLIENT_IF, 'up']);
  } catch (error) {
    await destroy();
    throw error;
  }
  return { server, client, exec: (ns, command) => ['ip', 'netns', 'exec', ns, ...command], destroy };
}

/** Kills what still runs inside (servers whose stop failed), then deletes the namespace. */
async function deleteNetns(ns: string): Promise<void> {
  const pids = await runCommand(['ip', 'netns', 'pids', ns]);
  for (const pid of pids.stdout.split(/\s+/).filter((p) => /^\d+$/.test(p))) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await mustRun(['ip', 'netns', 'del', ns]);
}

/** Deletes namespaces left by benchmark runs that crashed (their creator pid is gone); others' are left alone. */
export async function sweepStaleNamespaces(): Promise<string[]> {
  const list = await runCommand(['ip', 'netns', 'list']);
  const stale: string[] = [];
  for (const line of list.stdout.split('\n')) {
    const name = line.trim().split(/\s+/)[0] ?? '';
    const match = new RegExp(`^${NETNS_PREFIX}(\\d+)-\\d+[sc]$`).exec(name);
    if (match === null || isAlive(Number(match[1]))) continue;
    await deleteNetns(name);
    stale.push(name);
  }
  return stale;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
