// Client system architecture types from RFC 4578 §2.1 and the IANA "Processor Architecture Types" registry.

export const clientArch = {
  0: 'x86 BIOS',
  6: 'x86 UEFI',
  7: 'x64 UEFI',
  9: 'x64 UEFI', // registered as EBC, but much x64 firmware sends 9 (RFC 4578 errata 4624)
  10: 'ARM32 UEFI',
  11: 'ARM64 UEFI',
  15: 'x86 UEFI HTTP',
  16: 'x64 UEFI HTTP',
  18: 'ARM32 UEFI HTTP',
  19: 'ARM64 UEFI HTTP',
  25: 'RISC-V 64 UEFI',
} as const satisfies Record<number, string>;

export function archName(arch: number | null): string {
  if (arch === null) return 'unknown';
  return (clientArch as Record<number, string>)[arch] ?? `arch ${arch}`;
}

export function isX64Uefi(arch: number | null): boolean {
  return arch === 7 || arch === 9;
}

export function isHttpBootArch(arch: number | null): boolean {
  return arch === 15 || arch === 16 || arch === 18 || arch === 19;
}
