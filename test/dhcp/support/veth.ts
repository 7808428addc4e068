// Network namespaces (ip-netns(8)) and veth pairs that one DHCP test creates, uses and deletes itself.
import { run } from './run.js';
import type { RunResult } from './run.js';

export interface TestNamespace {
  readonly name: string;
  /** argv that runs `command` inside the namespace (for long-running children). */
  argv(command: readonly string[]): string[];
  run(command: readonly string[], options?: { readonly timeoutMs?: number; readonly check?: boolean }): Promise<RunResult>;
  /** Kills what still runs inside (only our own children can be there) and deletes the namespace; idempotent. */
  destroy(): Promise<void>;
}

let serial = 0;

/** Names carry our pid so that parallel runs by other engineers never collide with ours. */
export async function createNamespace(tag: string): Promise<TestNamespace> {
  serial += 1;
  const name = `bdhcp-${process.pid}-${tag}${serial}`;
  await run(['ip', 'netns', 'add', name]);
  let destroyed = false;
  const ns: TestNamespace = {
    name,
    argv: (command) => ['ip', 'netns', 'exec', name, ...command],
    run: (command, options) => run(['ip', 'netns', 'exec', name, ...command], options),
    destroy: async () => {
      if (destroyed) return;
      destroyed = true;
      const pids = await run(['ip', 'netns', 'pids', name], { check: false });
      for (const pid of pids.stdout.split(/\s+/).filter((p) => /^\d+$/.test(p))) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await run(['ip', 'netns', 'del', name], { check: false });
    },
  };
  try {
    await ns.run(['ip', 'link', 'set', 'lo', 'up']);
  } catch (error) {
    await ns.destroy();
    throw error;
  }
  return ns;
}

export interface VethEnd {
  readonly ns: TestNamespace;
  readonly ifname: string;
  /** CIDR, e.g. 198.18.0.1/24; omit for a client end that DHCP configures. */
  readonly address?: string;
  readonly mac?: string;
}

/** One veth pair between two namespaces, created inside the first so that nothing ever sits in the root namespace. */
export async function addVeth(a: VethEnd, b: VethEnd): Promise<void> {
  await a.ns.run(['ip', 'link', 'add', a.ifname, 'type', 'veth', 'peer', 'name', b.ifname, 'netns', b.ns.name]);
  for (const end of [a, b]) {
    if (end.mac !== undefined) await end.ns.run(['ip', 'link', 'set', end.ifname, 'address', end.mac]);
    if (end.address !== undefined) await end.ns.run(['ip', 'addr', 'add', end.address, 'dev', end.ifname]);
    await end.ns.run(['ip', 'link', 'set', end.ifname, 'up']);
  }
}
