// Veth pairs (ip-link(8) type veth) between two test namespaces, for DHCP tests that wire their own segments.
import type { Netns } from '../../support/netns.js';

export interface VethEnd {
  readonly ns: Netns;
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
