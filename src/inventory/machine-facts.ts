// Folds what a booting machine told us (DHCP options, iPXE query variables) into its inventory record.
import type { Firmware, Machine } from '../store/schema.js';
import { archName } from '../boot/client-arch.js';
import { isRaspberryPiMac } from '../boot/raspberry-pi.js';

/** What one request tells about a machine: its MAC plus whichever hardware facts it carried. */
export type MachineFacts = Pick<Machine, 'mac'> &
  Partial<Pick<Machine, 'ip' | 'arch' | 'firmware' | 'uuid' | 'serial' | 'manufacturer' | 'product' | 'platform' | 'buildarch' | 'hostname'>>;

/** Firmware as the DHCP request reveals it; iPXE's own requests say nothing about the firmware below it. */
export function firmwareFromDhcp(c: { mac: string; arch: number | null; vendorClass: string | null; isIpxe: boolean }): Firmware | undefined {
  if (c.isIpxe) return undefined;
  if (c.vendorClass?.startsWith('HTTPClient')) return 'uefi-http';
  if (!c.vendorClass?.startsWith('PXEClient')) return undefined;
  if (c.arch === 0 || c.arch === null) return isRaspberryPiMac(c.mac) ? 'rpi' : 'bios';
  return 'uefi';
}

/** iPXE's ${platform}: pcbios or efi. */
export function firmwareFromIpxePlatform(platform: string | undefined): Firmware | undefined {
  if (platform === 'pcbios') return 'bios';
  if (platform === 'efi') return 'uefi';
  return undefined;
}

export function mergeMachine(existing: Machine | undefined, facts: MachineFacts, now: string): Machine {
  const defined = Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined && v !== '')) as Partial<MachineFacts>;
  const arch = defined.arch ?? existing?.arch;
  return {
    ...existing,
    ...defined,
    mac: facts.mac,
    firstSeen: existing?.firstSeen ?? now,
    lastSeen: now,
    ...(arch === undefined ? {} : { arch, archName: archName(arch) }),
  };
}

/** True when merging would change something other than lastSeen (so idle re-sightings need no store write). */
export function changesMachine(existing: Machine | undefined, facts: MachineFacts): boolean {
  if (existing === undefined) return true;
  return Object.entries(facts).some(([k, v]) => v !== undefined && v !== '' && (existing as unknown as Record<string, unknown>)[k] !== v);
}
