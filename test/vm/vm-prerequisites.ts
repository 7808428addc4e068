// The host prerequisites of whole-boot tests, checked in one place: skip locally, fail under CI (require-tool.ts).
import type { TestContext } from 'node:test';
import { requireFile, requireRoot, requireTool } from '../support/require-tool.js';
import { IPXE_ROMS, OVMF_CODE, OVMF_VARS_TEMPLATE, QEMU_BINARY } from './qemu-args.js';
import type { VmFirmware } from './qemu-args.js';

export interface VmNeeds {
  readonly firmware: readonly VmFirmware[];
  /** dnsmasq (package dnsmasq-base) as stand-in server or home router. */
  readonly dnsmasq?: boolean;
}

export function requireVmHost(t: TestContext, needs: VmNeeds): boolean {
  const checks: Array<() => boolean> = [
    () => requireRoot(t),
    () => requireTool(t, 'ip', 'iproute2'),
    () => requireTool(t, 'ss', 'iproute2'),
    () => requireTool(t, QEMU_BINARY, 'qemu-system-x86'),
    () => requireFile(t, '/bin/busybox', 'busybox-static'),
    () => requireFile(t, '/dev/net/tun', 'the tun kernel module'),
  ];
  if (needs.dnsmasq === true) checks.push(() => requireTool(t, 'dnsmasq', 'dnsmasq-base'));
  if (needs.firmware.includes('bios')) {
    checks.push(() => requireFile(t, IPXE_ROMS.e1000, 'ipxe-qemu'));
  }
  if (needs.firmware.includes('uefi')) {
    checks.push(
      () => requireFile(t, OVMF_CODE, 'ovmf'),
      () => requireFile(t, OVMF_VARS_TEMPLATE, 'ovmf'),
      () => requireFile(t, '/usr/lib/ipxe/ipxe.efi', 'ipxe'),
    );
  }
  return checks.every((check) => check());
}
