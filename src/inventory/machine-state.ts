// What a machine is doing now, read from its record and its recent events; pure, table tested.
//
// discovered: seen or added, nothing assigned; ready: has a profile, not booting; booting: asked for DHCP, TFTP
// or boot files lately; running: its agent reported, or its root was mounted, after its last boot request;
// off: switched off by Bramble (or a wake was not answered); unknown: booting went quiet without reaching running.
import type { BootEvent } from '../store/boot-event.js';
import type { Machine } from '../store/schema.js';

export const MACHINE_STATES = ['discovered', 'ready', 'booting', 'running', 'off', 'unknown'] as const;
export type MachineState = (typeof MACHINE_STATES)[number];

/** A boot that shows no progress for this long is no longer "booting". */
export const BOOTING_QUIET_MS = 10 * 60_000;

const BOOT_STAGES = new Set(['dhcp', 'tftp', 'script', 'kernel', 'initrd', 'asset']);

export function machineState(machine: Machine, events: readonly BootEvent[], now: number): MachineState {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    const f = e.fields ?? {};
    if (e.stage === 'root' || (e.stage === 'note' && f.agent === true)) return 'running';
    if (e.stage === 'power') {
      if (f.result === 'woke') return 'booting';
      if (f.result === 'wake-failed') return 'off';
      if (f.ok === true && (f.action === 'off' || f.state === 'off')) return 'off';
      if (f.ok === true && (f.action === 'on' || f.action === 'cycle')) return 'booting';
      continue; // a failed action changes nothing we know
    }
    if (BOOT_STAGES.has(e.stage)) return now - Date.parse(e.time) < BOOTING_QUIET_MS ? 'booting' : 'unknown';
  }
  return machine.profile !== undefined ? 'ready' : 'discovered';
}
