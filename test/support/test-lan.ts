// A private Ethernet segment for one test: a namespace holding bridge br0 (the server's side, 198.18.0.1/24
// from the RFC 2544 benchmarking range), tap devices for VMs, and extra hosts in their own namespaces on veths.
import { createNetns } from './netns.js';
import type { Netns } from './netns.js';

export const LAN_BRIDGE = 'br0';
export const LAN_SERVER_ADDRESS = '198.18.0.1';
export const LAN_PREFIX_LENGTH = 24;

export interface TestLan {
  /** The server's namespace: br0 carries LAN_SERVER_ADDRESS. */
  readonly ns: Netns;
  readonly bridge: string;
  readonly serverAddress: string;
  /** A tap device on br0 for a VM (QEMU must run inside `ns` to open it). */
  addTap(name: string): Promise<string>;
  /** Another machine on the segment: its own namespace, with `eth0` at `address` on a veth into br0. */
  addHost(address: string): Promise<Netns>;
  destroy(): Promise<void>;
}

export async function createTestLan(): Promise<TestLan> {
  const ns = await createNetns();
  const hosts: Netns[] = [];
  try {
    // STP off and no forward delay: a port must forward from its first frame, firmware does not retry for long.
    await ns.run(['ip', 'link', 'add', LAN_BRIDGE, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
    await ns.run(['ip', 'addr', 'add', `${LAN_SERVER_ADDRESS}/${LAN_PREFIX_LENGTH}`, 'dev', LAN_BRIDGE]);
    // A bridge has carrier only while some port has; a tap has none until QEMU opens it. Without carrier br0 is
    // not RUNNING and Node's os.networkInterfaces() leaves it out, so a server started before the VM would not
    // find its interface. This veth port, its far end up and unused, is the always-plugged LAN cable (a dummy
    // device would do, but not every kernel here has the dummy module).
    await ns.run(['ip', 'link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'lan0end']);
    await ns.run(['ip', 'link', 'set', 'lan0', 'master', LAN_BRIDGE]);
    await ns.run(['ip', 'link', 'set', 'lan0', 'up']);
    await ns.run(['ip', 'link', 'set', 'lan0end', 'up']);
    await ns.run(['ip', 'link', 'set', LAN_BRIDGE, 'up']);
  } catch (error) {
    await ns.destroy();
    throw error;
  }

  return {
    ns,
    bridge: LAN_BRIDGE,
    serverAddress: LAN_SERVER_ADDRESS,
    addTap: async (name) => {
      await ns.run(['ip', 'tuntap', 'add', 'dev', name, 'mode', 'tap']);
      await ns.run(['ip', 'link', 'set', name, 'master', LAN_BRIDGE]);
      await ns.run(['ip', 'link', 'set', name, 'up']);
      return name;
    },
    addHost: async (address) => {
      const host = await createNetns();
      hosts.push(host);
      const port = `vh${hosts.length}`;
      await ns.run(['ip', 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.name]);
      await ns.run(['ip', 'link', 'set', port, 'master', LAN_BRIDGE]);
      await ns.run(['ip', 'link', 'set', port, 'up']);
      await host.run(['ip', 'addr', 'add', `${address}/${LAN_PREFIX_LENGTH}`, 'dev', 'eth0']);
      await host.run(['ip', 'link', 'set', 'eth0', 'up']);
      return host;
    },
    destroy: async () => {
      const errors: unknown[] = [];
      for (const host of hosts.reverse()) await host.destroy().catch((e: unknown) => errors.push(e));
      await ns.destroy().catch((e: unknown) => errors.push(e));
      if (errors.length > 0) throw errors[0];
    },
  };
}
