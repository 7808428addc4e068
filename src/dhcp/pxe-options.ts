// Vendor-specific sub-options in option 43 for PXE clients (PXE 2.1 spec §2.4.5), incl. the Raspberry Pi menu.

export const PxeSubOption = {
  DiscoveryControl: 6,
  BootServers: 8,
  BootMenu: 9,
  MenuPrompt: 10,
  BootItem: 71,
} as const;

/** Discovery control bit 3: boot the file named in this reply, no boot-server discovery (what BIOS ROMs need). */
const USE_BOOT_FILE = 0x08;

export function encodeSubOptions(entries: readonly (readonly [number, Uint8Array])[]): Buffer {
  const parts: Buffer[] = [];
  for (const [code, data] of entries) parts.push(Buffer.from([code, data.length]), Buffer.from(data));
  parts.push(Buffer.from([255]));
  return Buffer.concat(parts);
}

/** Null when the bytes do not parse as sub-options (e.g. a vendor that uses option 43 some other way). */
export function decodeSubOptions(data: Uint8Array): Map<number, Buffer> | null {
  const out = new Map<number, Buffer>();
  for (let i = 0; i < data.length; ) {
    const code = data[i]!;
    if (code === 0) {
      i += 1;
      continue;
    }
    if (code === 255) return out;
    if (i + 1 >= data.length) return null;
    const length = data[i + 1]!;
    if (i + 2 + length > data.length) return null;
    out.set(code, Buffer.from(data.subarray(i + 2, i + 2 + length)));
    i += 2 + length;
  }
  return out;
}

/** For legacy BIOS PXE ROMs answered by a proxy: skip discovery and take the boot file from this reply. */
export function bootFileDiscoveryControl(): Buffer {
  return encodeSubOptions([[PxeSubOption.DiscoveryControl, Uint8Array.of(USE_BOOT_FILE)]]);
}

/**
 * The boot menu the Raspberry Pi bootloaders insist on (facts/raspberry-pi.md): discovery control 3, prompt
 * "PXE" with timeout 0, one menu item of type 0 described as "Raspberry Pi Boot" plus three spaces, which the
 * Pi 3B ROM needs (sub-option 9 length 0x17) and newer bootloaders accept.
 */
export function raspberryPiBootMenu(): Buffer {
  const description = Buffer.from('Raspberry Pi Boot   ', 'latin1');
  const item = Buffer.concat([Buffer.from([0x00, 0x00, description.length]), description]);
  return encodeSubOptions([
    [PxeSubOption.DiscoveryControl, Uint8Array.of(0x03)],
    [PxeSubOption.MenuPrompt, Buffer.from([0x00, 0x50, 0x58, 0x45])],
    [PxeSubOption.BootMenu, item],
  ]);
}

/** A boot-server reply (port 4011) names the boot item it answers: echo what the client asked for. */
export function bootItemReply(request43: Uint8Array | undefined): Buffer | null {
  if (request43 === undefined) return null;
  const item = decodeSubOptions(request43)?.get(PxeSubOption.BootItem);
  return item === undefined ? null : encodeSubOptions([[PxeSubOption.BootItem, item]]);
}
