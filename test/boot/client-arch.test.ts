import assert from 'node:assert/strict';
import { test } from 'node:test';
import { archName, isHttpBootArch, isX64Uefi } from '../../src/boot/client-arch.js';

// RFC 4578 §2.1 / IANA "Processor Architecture Types", plus the x64 firmware that sends 9.
const table: readonly [number | null, string, boolean, boolean][] = [
  // arch, name, isX64Uefi, isHttpBootArch
  [0, 'x86 BIOS', false, false],
  [6, 'x86 UEFI', false, false],
  [7, 'x64 UEFI', true, false],
  [9, 'x64 UEFI', true, false],
  [10, 'ARM32 UEFI', false, false],
  [11, 'ARM64 UEFI', false, false],
  [15, 'x86 UEFI HTTP', false, true],
  [16, 'x64 UEFI HTTP', false, true],
  [18, 'ARM32 UEFI HTTP', false, true],
  [19, 'ARM64 UEFI HTTP', false, true],
  [25, 'RISC-V 64 UEFI', false, false],
  [1, 'arch 1', false, false],
  [42, 'arch 42', false, false],
  [null, 'unknown', false, false],
];

for (const [arch, name, x64, http] of table) {
  test(`arch ${arch}: ${name}, x64 UEFI ${x64}, HTTP boot ${http}`, () => {
    assert.equal(archName(arch), name);
    assert.equal(isX64Uefi(arch), x64);
    assert.equal(isHttpBootArch(arch), http);
  });
}
