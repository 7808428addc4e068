// Lists the host's IPv4 interfaces from iproute2 (`ip -j addr show`, JSON), falling back to os.networkInterfaces().
// Why not only os.networkInterfaces(): libuv leaves out interfaces that are not up *and* running, so a Pi whose
// Ethernet has no carrier yet (or a bridge with no ports) would look absent and serve would refuse to start.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { networkInterfaces, type NetworkInterfaceInfo, type NetworkInterfaceInfoIPv4 } from 'node:os';
import { formatIpv4, prefixToNetmask } from './ipv4.js';

export type InterfaceMap = NodeJS.Dict<NetworkInterfaceInfo[]>;

interface IpAddrEntry {
  readonly ifname?: unknown;
  readonly flags?: unknown;
  readonly address?: unknown;
  readonly addr_info?: readonly { readonly family?: unknown; readonly local?: unknown; readonly prefixlen?: unknown }[];
}

/** Parses `ip -j addr show` output into the shape of os.networkInterfaces() (IPv4 entries only). */
export function parseIpAddrJson(text: string): InterfaceMap {
  const entries = JSON.parse(text) as unknown;
  if (!Array.isArray(entries)) throw new TypeError('ip -j addr show did not print a JSON array');
  const out: InterfaceMap = {};
  for (const entry of entries as IpAddrEntry[]) {
    if (typeof entry.ifname !== 'string') continue;
    const loopback = Array.isArray(entry.flags) && entry.flags.includes('LOOPBACK');
    const mac = typeof entry.address === 'string' && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(entry.address) ? entry.address : '00:00:00:00:00:00';
    const v4: NetworkInterfaceInfoIPv4[] = [];
    for (const a of entry.addr_info ?? []) {
      if (a.family !== 'inet' || typeof a.local !== 'string' || typeof a.prefixlen !== 'number') continue;
      v4.push({ address: a.local, netmask: formatIpv4(prefixToNetmask(a.prefixlen)), family: 'IPv4', mac, internal: loopback, cidr: `${a.local}/${a.prefixlen}` });
    }
    out[entry.ifname] = v4;
  }
  return out;
}

export function hostInterfaces(): Promise<InterfaceMap> {
  return new Promise((resolve) => {
    execFile('ip', ['-j', 'addr', 'show'], { timeout: 5000 }, (error, stdout) => {
      if (error !== null) return resolve(networkInterfaces());
      try {
        resolve(parseIpAddrJson(stdout));
      } catch {
        resolve(networkInterfaces());
      }
    });
  });
}

/** The interface's hardware address from sysfs (present whatever the link state), or null. */
export async function interfaceMac(name: string): Promise<string | null> {
  try {
    const text = (await readFile(`/sys/class/net/${name.replace(/[/\0]/g, '')}/address`, 'utf8')).trim().toLowerCase();
    return /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(text) ? text : null;
  } catch {
    return networkInterfaces()[name]?.[0]?.mac ?? null;
  }
}
