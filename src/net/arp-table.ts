// Reads the kernel's ARP cache (/proc/net/arp, see proc(5)) to learn which MAC is behind a client IPv4:
// TFTP and HTTP requests carry no MAC, but we just exchanged packets with the client, so the kernel knows it.
import { readFile } from 'node:fs/promises';
import { normalizeMac } from './mac.js';

/** Parses /proc/net/arp text into IP -> MAC, skipping incomplete entries (flags 0x0, MAC all zero). */
export function parseArpTable(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n').slice(1)) {
    const [ip, , flags, hw] = line.trim().split(/\s+/);
    if (ip === undefined || hw === undefined || flags === '0x0') continue;
    const mac = normalizeMac(hw);
    if (mac !== null && mac !== '00:00:00:00:00:00') out.set(ip, mac);
  }
  return out;
}

export async function macForIp(ip: string, path = '/proc/net/arp'): Promise<string | null> {
  try {
    return parseArpTable(await readFile(path, 'utf8')).get(ip) ?? null;
  } catch {
    return null;
  }
}
