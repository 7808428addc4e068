// Reads the serial console of a test VM: the markers printed by the test initramfs's /init (test/vm/initramfs/init)
// and the kernel's own panic line, which tells why a boot never reached them.

export const BOOT_MARKER = 'BRAMBLE-BOOT-OK';
/** The firmware found nothing to boot: OVMF falls back to its shell, SeaBIOS says so and waits to retry. */
const FIRMWARE_GAVE_UP = /BdsDxe: starting Boot\d+ "EFI Internal Shell"|No bootable device/;
/** Matches the line that ends a boot attempt, well or badly; wait for it, then read the whole log. */
export const BOOT_END = /BRAMBLE-BOOT-OK|Kernel panic - not syncing|BdsDxe: starting Boot\d+ "EFI Internal Shell"|No bootable device/;

export interface NetLease {
  readonly iface: string;
  readonly ip: string;
}

export interface SerialReport {
  readonly booted: boolean;
  /** /proc/cmdline as /init saw it. */
  readonly cmdline?: string;
  readonly leases: readonly NetLease[];
  readonly netFailures: readonly string[];
  readonly insmodFailures: readonly string[];
  /** The text after "Kernel panic - not syncing: ". */
  readonly panic?: string;
  /** The firmware ran out of boot options (every network boot attempt failed). */
  readonly firmwareGaveUp: boolean;
}

export function readSerialLog(text: string): SerialReport {
  let booted = false;
  let cmdline: string | undefined;
  let panic: string | undefined;
  let firmwareGaveUp = false;
  const leases: NetLease[] = [];
  const netFailures: string[] = [];
  const insmodFailures: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r/g, '');
    let m: RegExpExecArray | null;
    if ((m = /BRAMBLE-CMDLINE (.*)$/.exec(line)) !== null) cmdline = m[1]!.trim();
    else if ((m = /BRAMBLE-NET-OK (\S+) (\S+)/.exec(line)) !== null) leases.push({ iface: m[1]!, ip: m[2]! });
    else if ((m = /BRAMBLE-NET-FAILED (\S+)/.exec(line)) !== null) netFailures.push(m[1]!);
    else if ((m = /BRAMBLE-INSMOD-FAILED (\S+)/.exec(line)) !== null) insmodFailures.push(m[1]!);
    else if (line.includes(BOOT_MARKER)) booted = true;
    else if (panic === undefined && (m = /Kernel panic - not syncing: (.*)$/.exec(line)) !== null) panic = m[1]!.trim();
    else if (FIRMWARE_GAVE_UP.test(line)) firmwareGaveUp = true;
  }
  return { booted, cmdline, leases, netFailures, insmodFailures, panic, firmwareGaveUp };
}

/** The value of `key=value` on a kernel command line; undefined when absent. */
export function cmdlineParam(cmdline: string, key: string): string | undefined {
  for (const word of cmdline.split(/\s+/)) {
    if (word.startsWith(`${key}=`)) return word.slice(key.length + 1);
  }
  return undefined;
}

/** A human reason for a panic, pointing at the usual cause. */
export function explainPanic(panic: string): string {
  if (/Unable to mount root fs/.test(panic)) {
    return `${panic} — the kernel got no initrd (on UEFI, iPXE passes it only when the kernel line names it: initrd=NAME; see facts/firmware.md)`;
  }
  return panic;
}
