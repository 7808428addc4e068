// Recognising Raspberry Pi bootloaders, which send the x86 BIOS PXE fingerprint (see facts/raspberry-pi.md).

/** OUI prefixes of Raspberry Pi boards; extendable from settings because new prefixes appear. */
export const raspberryPiOuis = ['b8:27:eb', 'dc:a6:32', 'e4:5f:01', '28:cd:c1', 'd8:3a:dd', '2c:cf:67', '88:a2:9e'] as const;

export function isRaspberryPiMac(mac: string, extraOuis: readonly string[] = []): boolean {
  const oui = mac.slice(0, 8).toLowerCase();
  return raspberryPiOuis.includes(oui as (typeof raspberryPiOuis)[number]) || extraOuis.some((extra) => extra.toLowerCase() === oui);
}
