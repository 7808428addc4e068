import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findCpuThermalZone, listThermalZones, pickCpuZone } from '../../src/health/thermal-zones.js';

// Fixture sysfs trees under test/fixtures/health/ (types as their drivers register them):
// pi4 and pi5 have one cpu-thermal zone (pi5 also a pwm-fan cooling device); nuc is an Intel NUC's set
// (acpitz, INT3400 Thermal, pch_cometlake, iwlwifi_1 without a temp, x86_pkg_temp); generic-board has
// only non-CPU zones, numbered 2 and 10; this-machine has no /sys at all, like a VM or container.
const root = (name: string): string => fileURLToPath(new URL(`../fixtures/health/${name}/`, import.meta.url));

const zones = (...types: string[]) => types.map((type, index) => ({ index, type }));

const pickCases: readonly { name: string; zones: { index: number; type: string }[]; expect: number | null }[] = [
  { name: 'Raspberry Pi', zones: zones('cpu-thermal'), expect: 0 },
  { name: 'Intel NUC: the package sensor, not the first (ACPI) zone', zones: zones('acpitz', 'INT3400 Thermal', 'pch_cometlake', 'iwlwifi_1', 'x86_pkg_temp'), expect: 4 },
  { name: 'Intel Tiger Lake: the package sensor over the TCPU participant', zones: zones('acpitz', 'INT3400 Thermal', 'TCPU', 'x86_pkg_temp'), expect: 3 },
  { name: 'an ARM board listing the GPU zone first', zones: zones('gpu_thermal', 'cpu_thermal'), expect: 1 },
  { name: 'an SoC-wide zone', zones: zones('ddr-thermal', 'soc-thermal'), expect: 1 },
  { name: 'AMD k10temp', zones: zones('acpitz', 'k10temp'), expect: 1 },
  { name: 'an older Raspberry Pi kernel', zones: zones('bcm2835_thermal'), expect: 0 },
  { name: 'a CPU-named zone of another kind', zones: zones('acpitz', 'cpu0-thermal'), expect: 1 },
  { name: 'nothing CPU-like: the lowest-numbered zone', zones: [{ index: 10, type: 'iwlwifi_1' }, { index: 2, type: 'acpitz' }], expect: 2 },
  { name: 'no zones (a VM)', zones: [], expect: null },
];

for (const c of pickCases) {
  test(`pickCpuZone: ${c.name}`, () => {
    assert.equal(pickCpuZone(c.zones)?.index ?? null, c.expect);
  });
}

const treeCases: readonly { tree: string; expect: { index: number; type: string } | null }[] = [
  { tree: 'pi4', expect: { index: 0, type: 'cpu-thermal' } },
  { tree: 'pi5', expect: { index: 0, type: 'cpu-thermal' } },
  { tree: 'nuc', expect: { index: 4, type: 'x86_pkg_temp' } },
  { tree: 'generic-board', expect: { index: 2, type: 'acpitz' } },
  { tree: 'this-machine', expect: null },
];

for (const c of treeCases) {
  test(`findCpuThermalZone in the ${c.tree} tree`, async () => {
    const zone = await findCpuThermalZone(root(c.tree));
    if (c.expect === null) return assert.equal(zone, null);
    assert.deepEqual(zone, { ...c.expect, tempPath: join(root(c.tree), `sys/class/thermal/thermal_zone${c.expect.index}/temp`) });
  });
}

test('listThermalZones lists zones in number order and leaves cooling devices out', async () => {
  assert.deepEqual((await listThermalZones(root('nuc'))).map((z) => `${z.index} ${z.type}`), ['0 acpitz', '1 INT3400 Thermal', '2 pch_cometlake', '3 iwlwifi_1', '4 x86_pkg_temp']);
  assert.deepEqual((await listThermalZones(root('pi5'))).map((z) => z.type), ['cpu-thermal']);
  assert.deepEqual((await listThermalZones(root('generic-board'))).map((z) => z.index), [2, 10]);
});

test('listThermalZones skips a zone whose type is missing or empty, and an empty thermal folder is no zones', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bramble-thermal-'));
  try {
    const thermal = join(dir, 'sys/class/thermal');
    await mkdir(thermal, { recursive: true });
    assert.deepEqual(await listThermalZones(dir), []);
    assert.equal(await findCpuThermalZone(dir), null);
    await mkdir(join(thermal, 'thermal_zone0'));
    await mkdir(join(thermal, 'thermal_zone1'));
    await writeFile(join(thermal, 'thermal_zone1/type'), '\n');
    await mkdir(join(thermal, 'thermal_zone2'));
    await writeFile(join(thermal, 'thermal_zone2/type'), 'acpitz\n');
    assert.deepEqual((await listThermalZones(dir)).map((z) => z.index), [2]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
