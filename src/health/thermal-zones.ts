// Finds the CPU's thermal zone under /sys/class/thermal (Documentation/driver-api/thermal/sysfs-api.rst).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseThermalType } from './proc-parsers.js';

export interface ThermalZone {
  // N in thermal_zoneN.
  readonly index: number;
  readonly type: string;
  // Path of the zone's `temp` file, root prefix included.
  readonly tempPath: string;
}

// Best first. A board lists several zones (ACPI, PCH, Wi-Fi, NVMe, ...) and their numbering varies with
// driver load order, so the zone is chosen by the name its driver registered, not by position.
const CPU_ZONE_TYPES: readonly RegExp[] = [
  // Raspberry Pi 3/4/5 on current kernels, and most ARM boards' device trees (cpu-thermal, cpu_thermal, soc-thermal).
  /^(?:cpu|soc)[-_]?thermal$/i,
  // Intel's package sensor (the coretemp package figure).
  /^x86_pkg_temp$/,
  // AMD's on-die sensors, where a kernel exposes them as a zone.
  /^(?:k10temp|k8temp|zenpower)/i,
  // Older Raspberry Pi kernels.
  /^bcm2835[-_]thermal$/i,
  // Anything else naming the CPU: cpu0-thermal, cpuss-0, Intel's TCPU participant.
  /cpu/i,
];

/** The zone that best stands for the CPU: by type, else the lowest-numbered zone; null when there is none. */
export function pickCpuZone<Z extends Pick<ThermalZone, 'index' | 'type'>>(zones: readonly Z[]): Z | null {
  const ordered = [...zones].sort((a, b) => a.index - b.index);
  for (const pattern of CPU_ZONE_TYPES) {
    const zone = ordered.find((z) => pattern.test(z.type));
    if (zone !== undefined) return zone;
  }
  return ordered[0] ?? null;
}

/** Every thermal_zoneN under `root` whose type can be read; none (a VM, a container without /sys) is an empty list. */
export async function listThermalZones(root = '/'): Promise<ThermalZone[]> {
  const dir = join(root, 'sys/class/thermal');
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const zones = await Promise.all(
    names.map(async (name): Promise<ThermalZone | null> => {
      // Real entries are symlinks into /sys/devices, so the name is the test, not the entry's file type.
      const match = /^thermal_zone(\d+)$/.exec(name);
      if (match === null) return null;
      try {
        const type = parseThermalType(await readFile(join(dir, name, 'type'), 'utf8'));
        return type.ok ? { index: Number(match[1]), type: type.value, tempPath: join(dir, name, 'temp') } : null;
      } catch {
        return null;
      }
    }),
  );
  return zones.filter((z): z is ThermalZone => z !== null).sort((a, b) => a.index - b.index);
}

export async function findCpuThermalZone(root = '/'): Promise<ThermalZone | null> {
  return pickCpuZone(await listThermalZones(root));
}
