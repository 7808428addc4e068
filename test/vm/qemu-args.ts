// QEMU command lines for the test VMs (qemu-system-x86_64(1), QEMU 7.2): TCG only (iPXE hangs under KVM here),
// serial console on stdio, NIC on a tap device; SeaBIOS + iPXE ROM, OVMF with its own PXE, or a direct kernel.

export type VmFirmware = 'bios' | 'uefi';
export type VmNic = 'e1000' | 'virtio-net-pci';

export const QEMU_BINARY = 'qemu-system-x86_64';
export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
export const OVMF_VARS_TEMPLATE = '/usr/share/OVMF/OVMF_VARS_4M.fd';
/** iPXE option ROMs from Debian's ipxe-qemu, as QEMU's own pc machine would pick them for BIOS. */
export const IPXE_ROMS: Readonly<Record<VmNic, string>> = {
  e1000: '/usr/lib/ipxe/qemu/pxe-e1000.rom',
  'virtio-net-pci': '/usr/lib/ipxe/qemu/pxe-virtio.rom',
};

export interface DirectKernel {
  readonly kernel: string;
  readonly initrd: string;
  readonly append: string;
}

export interface QemuOptions {
  readonly firmware: VmFirmware;
  /** A tap device that already exists in the namespace QEMU runs in. */
  readonly tap: string;
  readonly mac: string;
  /** Default: e1000 on BIOS (the classic PXE NIC), virtio-net-pci on UEFI (OVMF has a driver built in). */
  readonly nic?: VmNic;
  readonly memoryMiB?: number;
  /** UEFI only: this run's writable copy of the OVMF variable store. */
  readonly ovmfVars?: string;
  /** Boot this kernel straight away instead of from the network (harness self-test). */
  readonly direct?: DirectKernel;
  /**
   * What a guest reboot does: 'exit' (default, -no-reboot: QEMU exits, one boot per run) or 'restart' (the
   * machine resets and boots again through its firmware, as a real one does; for tests that reboot on purpose).
   */
  readonly onReboot?: 'exit' | 'restart';
  /** SMBIOS type 11 OEM strings: facts for the guest that no server sees (/sys/firmware/dmi/entries/11-0/raw). */
  readonly oemStrings?: readonly string[];
}

export function defaultNic(firmware: VmFirmware): VmNic {
  return firmware === 'bios' ? 'e1000' : 'virtio-net-pci';
}

export function qemuArgs(options: QemuOptions): string[] {
  const nic = options.nic ?? defaultNic(options.firmware);
  // UEFI: an empty romfile keeps QEMU's iPXE ROM off the NIC, so OVMF's own PXE (VirtioNetDxe + PxeBcDxe) boots.
  const romfile = options.firmware === 'uefi' ? '' : IPXE_ROMS[nic];
  const args = [
    QEMU_BINARY,
    '-accel', 'tcg',
    '-machine', 'pc',
    '-m', String(options.memoryMiB ?? 512),
    '-smp', '1',
    '-nographic',
    ...(options.onReboot === 'restart' ? [] : ['-no-reboot']),
    '-netdev', `tap,id=net0,ifname=${options.tap},script=no,downscript=no`,
    '-device', `${nic},netdev=net0,mac=${options.mac},romfile=${romfile}`,
  ];
  for (const value of options.oemStrings ?? []) {
    // QEMU's option parser splits on commas; a doubled comma is a literal one.
    args.push('-smbios', `type=11,value=${value.replace(/,/g, ',,')}`);
  }
  if (options.firmware === 'uefi') {
    if (options.ovmfVars === undefined) throw new TypeError('UEFI needs ovmfVars: a per-run copy of the variable store');
    args.push(
      '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`,
      '-drive', `if=pflash,format=raw,unit=1,file=${options.ovmfVars}`,
    );
  }
  if (options.direct !== undefined) {
    args.push('-kernel', options.direct.kernel, '-initrd', options.direct.initrd, '-append', options.direct.append);
  } else if (options.firmware === 'bios') {
    args.push('-boot', 'order=n');
  }
  return args;
}
