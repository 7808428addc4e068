// Decides what boot information a DHCP client gets: the PXE chainloading ladder of facts/firmware.md
// (plain PXE firmware -> an iPXE binary over TFTP; iPXE -> the HTTP boot script; UEFI HTTP boot -> a URL).
import { isHttpBootArch, isX64Uefi } from './client-arch.js';
import { isRaspberryPiMac } from './raspberry-pi.js';

/** The facts a DHCP request carries that matter for choosing a boot file (a subset of dhcp's DhcpClient). */
export interface BootRequestFacts {
  readonly mac: string;
  readonly arch: number | null;
  readonly vendorClass: string | null;
  readonly isIpxe: boolean;
}

export interface BootAnswer {
  readonly bootFile: string;
  readonly nextServer: string;
  readonly vendorClass: 'PXEClient' | 'HTTPClient';
  readonly raspberryPiMenu?: boolean;
}

export interface DhcpBootSettings {
  readonly serverAddress: string;
  /** Base URL of Bramble's HTTP server as a booting machine reaches it, e.g. http://192.168.1.5 */
  readonly httpBase: string;
  readonly biosBootFile: string;
  readonly uefiBootFile: string;
  readonly raspberryPiOuis?: readonly string[];
}

export type BootDecision =
  | { readonly answer: BootAnswer; readonly reason: string }
  | { readonly answer: null; readonly reason: string };

export function chooseDhcpBoot(client: BootRequestFacts, settings: DhcpBootSettings): BootDecision {
  const vendor = client.vendorClass ?? '';
  const pxe = vendor.startsWith('PXEClient');
  const http = vendor.startsWith('HTTPClient');
  const base = { nextServer: settings.serverAddress } as const;

  // iPXE must get the script URL, or it would be handed iPXE again and loop forever.
  if (client.isIpxe) {
    return {
      answer: { ...base, bootFile: `${settings.httpBase}/boot.ipxe`, vendorClass: http ? 'HTTPClient' : 'PXEClient' },
      reason: 'iPXE asks: boot script URL',
    };
  }
  if (http || isHttpBootArch(client.arch)) {
    // Only x64 (16) has an iPXE EFI build here; arch 15 is 32-bit x86 UEFI, which cannot run it.
    if (client.arch !== 16) return { answer: null, reason: `no iPXE build for HTTP boot arch ${client.arch}` };
    return {
      answer: { ...base, bootFile: `${settings.httpBase}/ipxe/${settings.uefiBootFile}`, vendorClass: 'HTTPClient' },
      reason: 'UEFI HTTP boot: iPXE over HTTP',
    };
  }
  if (!pxe) return { answer: null, reason: 'not a PXE client' };
  if (client.arch === null || client.arch === 0) {
    if (isRaspberryPiMac(client.mac, settings.raspberryPiOuis)) {
      return { answer: { ...base, bootFile: '', vendorClass: 'PXEClient', raspberryPiMenu: true }, reason: 'Raspberry Pi bootloader' };
    }
    return { answer: { ...base, bootFile: settings.biosBootFile, vendorClass: 'PXEClient' }, reason: 'BIOS PXE: chainload iPXE' };
  }
  if (isX64Uefi(client.arch)) {
    return { answer: { ...base, bootFile: settings.uefiBootFile, vendorClass: 'PXEClient' }, reason: 'UEFI x64 PXE: chainload iPXE' };
  }
  return { answer: null, reason: `no iPXE build for client arch ${client.arch}` };
}
